import { beforeAll, describe, expect, it } from 'vitest';
import {
  CREATE_SECRET,
  createNamespace,
  createRole,
  createSecret,
  createUnmanagedSecret,
  gql,
  grantRole,
  graphql,
  ROTATE_SECRET,
  SECRETS,
  uniqueName,
} from '../factories/index.js';
import { kubeClients } from '../support/kube.js';
import { captureState, expectUnchanged } from '../support/state.js';
import { useBroker } from '../support/use-broker.js';

const base = '/v1/namespaces/team-a/secrets';
// Literal arguments: the JSONObject literal parser builds this data object, not JSON.parse of the variables.
const CREATE_PROTO_KEYS_LITERAL = gql<{ createSecret: { secret: { keys: string[] } } }>(
  'mutation { createSecret(namespace: "team-a", input: { name: "proto-gql", data: { constructor: "x", valueOf: "y" } }) { secret { keys } } }',
);

/** Attacks on the secrets API by callers holding one narrow grant, and input no caller may send. */
describe('secrets under attack', () => {
  const broker = useBroker();

  // Shared and only read: narrow grants, and the secrets they do or do not cover.
  beforeAll(async () => {
    await createNamespace(broker, 'team-a');
    const lister = await createRole(broker, { name: 'lister', verbs: ['list'] });
    await grantRole(broker, { subject: 'user:rot', role: 'rotator', namespace: 'team-a', namePattern: 'db-*' });
    for (const subject of ['user:lister', 'user:other-lister']) {
      await grantRole(broker, { subject, role: lister.name, namespace: 'team-a', namePattern: 'app-*' });
    }
    for (const name of ['db-main', 'admin-creds', 'app-1', 'app-2', 'app-3']) {
      await createSecret(broker, 'team-a', { name });
    }
    await createUnmanagedSecret(broker, 'team-a', 'legacy', { password: 'owned-by-someone-else' });
  });

  describe('a caller holding only rotate cannot choose what the new value is', () => {
    it.each([
      ['a one-letter-pair alphabet', { generate: { password: { type: 'password', length: 64, alphabet: 'ab' } } }],
      ['an extra key', { generate: { extra: { type: 'uuid' } } }],
      ['the keys to rotate', { keys: ['password'] }],
    ])('refuses %s with 403 before anything is written', async (_label, body) => {
      const before = await captureState(broker);
      const refused = await broker.as('rot').post(`${base}/db-main/rotate`).send(body).expect(403);
      expect(refused.body.detail).toContain('no grant gives update');
      const added = await expectUnchanged(broker, before);
      expect(added.map((event) => [event.action, event.outcome])).toEqual([['update', 'denied']]);
    });

    it('refuses it over GraphQL too', async () => {
      const before = await captureState(broker);
      const result = await graphql(broker, 'rot', ROTATE_SECRET, {
        namespace: 'team-a',
        name: 'db-main',
        input: { generate: { password: { type: 'password', length: 64, alphabet: 'ab' } } },
      });
      expect(result.errors?.[0].extensions.code).toBe('FORBIDDEN');
      await expectUnchanged(broker, before);
    });

    it('still rotates with the stored policy', async () => {
      const { secret } = await createSecret(broker, 'team-a', { name: uniqueName('db') });
      const rotated = await broker
        .as('rot')
        .post(`${base}/${secret.name}/rotate`)
        .send({ reason: 'scheduled' })
        .expect(200);
      expect(rotated.body.version.reason).toBe('rotate');
    });
  });

  describe('generators refuse weak or oversized requests before anything is generated', () => {
    it.each([
      [
        'a 4-digit PIN',
        { pin: { type: 'password', length: 4, alphabet: '0123456789' } },
        /pin \(password\) gives 13\.3 bits of entropy; at least 64 are required/,
      ],
      [
        'a two-letter alphabet',
        { p: { type: 'password', length: 32, alphabet: 'ab' } },
        /p \(password\) gives 32(\.0)? bits/,
      ],
      ['four random bytes', { b: { type: 'bytes', length: 4 } }, /b \(bytes\) gives 32(\.0)? bits/],
      [
        'five RSA keys',
        Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((key) => [key, { type: 'rsa', bits: 4096 }])),
        /at most 4 are generated per request/,
      ],
      [
        '33 generated keys',
        Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, { type: 'uuid' }])),
        /at most 32 are generated per request/,
      ],
      [
        'more than a Secret holds',
        {
          a: { type: 'bytes', length: 65536, encoding: 'hex' },
          b: { type: 'bytes', length: 65536, encoding: 'hex' },
          c: { type: 'bytes', length: 65536, encoding: 'hex' },
          d: { type: 'bytes', length: 65536, encoding: 'hex' },
          e: { type: 'bytes', length: 65536, encoding: 'hex' },
          f: { type: 'bytes', length: 65536, encoding: 'hex' },
          g: { type: 'bytes', length: 65536, encoding: 'hex' },
          h: { type: 'bytes', length: 65536, encoding: 'hex' },
          i: { type: 'bytes', length: 65536, encoding: 'hex' },
        },
        /a Secret holds at most 1048576/,
      ],
    ])('refuses %s with 422 naming the generator or the cap, even from an admin', async (_label, generate, message) => {
      const before = await captureState(broker);
      const refused = await broker.as('admin').post(base).send({ name: 'weak', generate }).expect(422);
      expect(refused.body.detail).toMatch(message);
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('refuses a weak generator in a rotation and over GraphQL', async () => {
      const before = await captureState(broker);
      const rotation = await broker
        .as('admin')
        .post(`${base}/db-main/rotate`)
        .send({ generate: { password: { type: 'password', length: 8 } } })
        .expect(422);
      expect(rotation.body.details).toMatchObject({ key: 'password', generator: 'password', minimumBits: 64 });
      const result = await graphql(broker, 'admin', CREATE_SECRET, {
        namespace: 'team-a',
        input: { name: 'weak', generate: { pin: { type: 'password', length: 6, alphabet: '0123456789' } } },
      });
      expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].message).toContain('gives 19.9 bits of entropy');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('refuses supplied data that leaves no room for the generated keys, before generating them', async () => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .send({ name: 'full', data: { blob: 'x'.repeat(1_047_000) }, generate: { key: { type: 'rsa', bits: 4096 } } })
        .expect(422);
      expect(refused.body.detail).toContain('with the generated values');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });
  });

  describe('secret listings leak no names', () => {
    const namesIn = (cursor: string) =>
      ['admin-creds', 'db-main', 'legacy'].filter(
        (name) => Buffer.from(cursor, 'base64url').toString('latin1').includes(name) || cursor.includes(name),
      );

    it('pages through its own secrets with cursors that name nothing', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const response = await broker
          .as('lister')
          .get(base)
          .query({ limit: 1, ...(cursor ? { continue: cursor } : {}) })
          .expect(200);
        seen.push(...response.body.items.map((item: { name: string }) => item.name));
        cursor = response.body.continue ?? undefined;
        if (!cursor) break;
        expect(namesIn(cursor)).toEqual([]);
      }
      expect(seen).toEqual(['app-1', 'app-2', 'app-3']);
    });

    it.each([
      [
        'a cluster continue token',
        () =>
          Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'admin-creds\u0000' })).toString('base64'),
      ],
      ['a tampered cursor', (cursor: string) => `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}A`],
    ])('refuses %s with 400 before anything is decided', async (_label, forge) => {
      const first = await broker.as('lister').get(base).query({ limit: 1 }).expect(200);
      const before = await captureState(broker);
      const refused = await broker
        .as('lister')
        .get(base)
        .query({ limit: 1, continue: forge(first.body.continue) })
        .expect(400);
      expect(refused.body.detail).toContain('not a cursor');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it("refuses another caller's cursor, and a cursor over GraphQL that REST did not issue to it", async () => {
      const first = await broker.as('lister').get(base).query({ limit: 1 }).expect(200);
      await broker.as('other-lister').get(base).query({ limit: 1, continue: first.body.continue }).expect(400);
      await broker
        .as('lister')
        .get(base)
        .query({ limit: 1, labelSelector: 'tier=db', continue: first.body.continue })
        .expect(400);
      const result = await graphql(broker, 'lister', SECRETS, {
        namespace: 'team-a',
        first: 1,
        after: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
      });
      expect(result.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('input hygiene', () => {
    it.each([
      ['too short', 'AAAAA'],
      ['unpadded', 'AAE'],
      ['non-zero padding bits', 'AB=='],
      ['whitespace', 'AAAA AAAA'],
    ])('decodes base64 strictly: %s is 422 and changes nothing', async (_label, value) => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .send({ name: 'b64', data: { key: value }, dataEncoding: 'base64' })
        .expect(422);
      expect(refused.body.detail).toBe('Value of key key is not valid base64');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it('stores keys named like Object.prototype members like any other key', async () => {
      const data = { constructor: 'c-value', toString: 't-value', valueOf: 'v-value', hasOwnProperty: 'h-value' };
      await createSecret(broker, 'team-a', { name: 'proto-keys', data });
      const values = (await broker.as('admin').post(`${base}/proto-keys/request`).send({}).expect(200)).body.values;
      expect(Object.fromEntries(values.map((item: { key: string; value: string }) => [item.key, item.value]))).toEqual(
        data,
      );
      const live = await kubeClients(broker.emulator).core.readNamespacedSecret({
        name: 'proto-keys',
        namespace: 'team-a',
      });
      expect(Object.keys(live.data ?? {}).sort()).toEqual(Object.keys(data).sort());
      const result = await graphql(broker, 'admin', CREATE_PROTO_KEYS_LITERAL);
      expect(result.data?.createSecret).toEqual({ secret: { keys: ['constructor', 'valueOf'] } });
    });

    it('refuses a __proto__ key with 422 instead of losing it', async () => {
      const before = await captureState(broker);
      const refused = await broker
        .as('admin')
        .post(base)
        .set('Content-Type', 'application/json')
        .send('{"name":"proto","data":{"__proto__":"x","a":"b"}}')
        .expect(422);
      expect(refused.body.detail).toContain('__proto__');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });

    it.each([
      [
        'a NUL in a create reason',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, reason: 'x\u0000' }),
      ],
      [
        'a NUL in a label value',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, labels: { tier: 'd\u0000b' } }),
      ],
      [
        'a control character in a label key',
        () =>
          broker
            .as('admin')
            .post(base)
            .send({ name: 'nul', data: { a: 'b' }, labels: { 't\u0007ier': 'db' } }),
      ],
      [
        'a NUL in a request reason',
        () => broker.as('admin').post(`${base}/db-main/request`).send({ reason: '\u0000' }),
      ],
      [
        'a NUL in a revoke reason',
        () => broker.as('admin').post(`${base}/db-main/revoke`).send({ reason: 'leak\u0000' }),
      ],
      ['a NUL in a rotate reason', () => broker.as('admin').post(`${base}/db-main/rotate`).send({ reason: '\u0000' })],
    ])('refuses %s with 400 before anything is decided', async (_label, attack) => {
      const before = await captureState(broker);
      const refused = await attack().expect(400);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(await expectUnchanged(broker, before)).toEqual([]);
    });
  });
});
