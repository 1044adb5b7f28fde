import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, graphql, REQUEST_SECRET, WHOAMI } from '../factories/index.js';
import { createSecret, secretsPath } from '../factories/secrets.js';
import { grantRole } from '../factories/grants.js';
import { useBroker } from '../support/use-broker.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `test-${randomBytes(6).toString('hex')}:`;

/**
 * What a request costs in Redis, counted by MONITOR: the commands the broker sends under this
 * run's key prefix (each one a round trip; commands run inside its scripts are not counted).
 */
describe('Redis round trips per request', () => {
  const broker = useBroker({
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    AUTH_FAILURE_LIMIT_PER_MINUTE: '3',
    TRUST_PROXY: 'loopback',
  });
  let monitor: Redis;
  let client: Redis;
  let seen: string[][] = [];

  beforeAll(async () => {
    client = new Redis(REDIS_URL);
    monitor = await new Redis(REDIS_URL).monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua' && args.some((arg) => arg.startsWith(PREFIX))) seen.push(args);
    });
  });

  afterAll(() => {
    monitor.disconnect();
    client.disconnect();
  });

  /** The broker's commands while `work` ran: MONITOR reports in order, so a marker sent after it closes the list. */
  async function commandsOf(work: () => Promise<unknown>): Promise<string[][]> {
    seen = [];
    await work();
    const marker = `${PREFIX}marker-${randomBytes(4).toString('hex')}`;
    await client.get(marker);
    await expect.poll(() => seen.some((args) => args.includes(marker))).toBe(true);
    return seen.filter((args) => !args.includes(marker));
  }

  it('costs an authenticated request one round trip: the rate limit and the blocked-address check in one script', async () => {
    const namespace = await createNamespace(broker);
    const {
      secret: { name },
    } = await createSecret(broker, namespace);
    await grantRole(broker, { subject: 'user:reader', role: 'reader', namespace });
    // Scripts are loaded into Redis by the first use; measured once they are.
    await broker.as('reader').get('/v1/whoami').expect(200);

    const rest = await commandsOf(() =>
      broker
        .as('reader')
        .post(`${secretsPath(namespace, name)}/request`)
        .send({})
        .expect(200),
    );
    const gql = await commandsOf(() => graphql(broker, 'reader', REQUEST_SECRET, { namespace, name }));
    const whoami = await commandsOf(() => graphql(broker, 'reader', WHOAMI));
    for (const commands of [rest, gql, whoami]) expect(commands).toHaveLength(1);
    expect(rest[0][0].toLowerCase()).toBe('evalsha');
    expect(rest[0]).toEqual(expect.arrayContaining([`${PREFIX}requests:subject:subject:user:reader`]));
  });

  it('costs a denied request one more round trip: both suspicious-activity windows in one script', async () => {
    const commands = await commandsOf(() =>
      broker
        .as('nosy')
        .post(`${secretsPath('default', 'not-granted')}/request`)
        .send({})
        .expect(403),
    );
    expect(commands).toHaveLength(2);
  });

  it('still counts every failed authentication in Redis, one request at a time, and then refuses the address', async () => {
    const attempt = () =>
      broker.http().get('/v1/whoami').set('X-Forwarded-For', '198.51.100.77').auth('not-a-token', { type: 'bearer' });
    const failures = await commandsOf(async () => {
      for (let i = 0; i < 3; i++) await attempt().expect(401);
    });
    const counted = failures.filter((args) => args.some((arg) => arg.startsWith(`${PREFIX}auth-failures:`)));
    expect(counted.length).toBeGreaterThanOrEqual(3);
    await attempt().expect(429);
    // The blocked address is refused with a valid token too, in the script that counts the rate limit.
    const blocked = await commandsOf(() =>
      broker.as('reader').get('/v1/whoami').set('X-Forwarded-For', '198.51.100.77').expect(429),
    );
    expect(blocked).toHaveLength(1);
  });
});
