import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../support/broker.js';
import { JwksServer } from '../support/jwks-server.js';
import { ecKeyPair, handmadeToken, HS256_SECRET, nowSeconds, rsaKeyPair, signToken } from '../support/tokens.js';
import { useBroker } from '../support/use-broker.js';

async function expectUnauthenticated(broker: Broker, authorization: string | undefined): Promise<string> {
  const request = broker.http().get('/v1/whoami');
  if (authorization !== undefined) request.set('Authorization', authorization);
  const response = await request.expect(401);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized' });
  expect(response.body.requestId).toBe(response.headers['x-request-id']);
  return response.body.detail as string;
}

describe('HS256 tokens', () => {
  const broker = useBroker({ JWT_ISSUER: 'https://idp.test', JWT_AUDIENCE: 'secrets-broker' });
  const claims = { sub: 'alice', iss: 'https://idp.test', aud: 'secrets-broker' };

  it('accepts a valid token and derives user and group subjects', async () => {
    const token = signToken({ ...claims, groups: ['platform', 'oncall'] });
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(response.body.subjects).toEqual(['user:alice', 'group:platform', 'group:oncall']);
  });

  it('rejects a missing token', async () => {
    expect(await expectUnauthenticated(broker, undefined)).toContain('missing bearer token');
  });

  it('rejects malformed tokens', async () => {
    await expectUnauthenticated(broker, 'Bearer not-a-jwt');
    await expectUnauthenticated(broker, 'Bearer a.b.c');
    await expectUnauthenticated(broker, 'Basic YWxpY2U6c2VjcmV0');
  });

  it('rejects a token signed with another key', async () => {
    await expectUnauthenticated(
      broker,
      `Bearer ${signToken(claims, { key: 'another-secret-of-sufficient-length-0000' })}`,
    );
  });

  it('rejects an expired token and one without exp', async () => {
    const expired = handmadeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: nowSeconds() - 3600 });
    expect(await expectUnauthenticated(broker, `Bearer ${expired}`)).toContain('expired');
    const noExp = handmadeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: nowSeconds() });
    expect(await expectUnauthenticated(broker, `Bearer ${noExp}`)).toContain('exp');
  });

  it('rejects alg none, however it is spelled', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = handmadeToken({ alg, typ: 'JWT' }, { ...claims, exp: nowSeconds() + 60 });
      await expectUnauthenticated(broker, `Bearer ${token}`);
    }
  });

  it('rejects a token that is not yet valid or issued in the future', async () => {
    const notBefore = handmadeToken({ alg: 'HS256' }, { ...claims, exp: nowSeconds() + 600, nbf: nowSeconds() + 300 });
    await expectUnauthenticated(broker, `Bearer ${notBefore}`);
    const future = handmadeToken({ alg: 'HS256' }, { ...claims, exp: nowSeconds() + 600, iat: nowSeconds() + 300 });
    await expectUnauthenticated(broker, `Bearer ${future}`);
  });

  it('enforces the configured issuer and audience', async () => {
    await expectUnauthenticated(broker, `Bearer ${signToken({ ...claims, iss: 'https://evil.test' })}`);
    await expectUnauthenticated(broker, `Bearer ${signToken({ ...claims, aud: 'someone-else' })}`);
  });

  it('rejects a crit header it does not understand', async () => {
    const token = handmadeToken({ alg: 'HS256', crit: ['exp'], exp: 1 }, { ...claims, exp: nowSeconds() + 60 });
    expect(await expectUnauthenticated(broker, `Bearer ${token}`)).toContain('critical');
  });

  it('rejects tokens over 8 KiB', async () => {
    const token = signToken({ ...claims, padding: 'x'.repeat(9000) });
    expect(await expectUnauthenticated(broker, `Bearer ${token}`)).toContain('larger');
  });

  it('rejects asymmetric algorithms when only a shared secret is configured', async () => {
    const { privateKey } = rsaKeyPair();
    await expectUnauthenticated(broker, `Bearer ${signToken(claims, { algorithm: 'RS256', key: privateKey })}`);
  });

  it('does not log the bearer token', async () => {
    const token = signToken({ ...claims, jti: 'log-redaction-check' });
    await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(broker.logLines.join('\n')).not.toContain(token.split('.')[2]);
    // The request was logged (one line, without headers), just not its token.
    expect(
      broker.logLines.some((line) => line.includes('"url":"/v1/whoami"') && line.includes('"statusCode":200')),
    ).toBe(true);
  });
});

describe('RS256 tokens verified with a PEM public key', () => {
  const { privateKey, publicKeyPem } = rsaKeyPair();
  let keyFile: string;
  beforeAll(() => {
    keyFile = join(mkdtempSync(join(tmpdir(), 'broker-pem-')), 'public.pem');
    writeFileSync(keyFile, publicKeyPem);
  });
  const broker = useBroker(() => ({ JWT_PUBLIC_KEY_FILE: keyFile, JWT_HS256_SECRET: '' }));

  it('accepts an RS256 token signed by the private key', async () => {
    const token = signToken({ sub: 'alice' }, { algorithm: 'RS256', key: privateKey });
    const response = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' }).expect(200);
    expect(response.body.subject).toBe('user:alice');
  });

  it('rejects HS256 signed with the public key as secret (key confusion)', async () => {
    const forged = handmadeToken({ alg: 'HS256' }, { sub: 'alice', exp: nowSeconds() + 60 }, publicKeyPem);
    await expectUnauthenticated(broker, `Bearer ${forged}`);
  });

  it('ignores an embedded jwk header and rejects the attacker-signed token', async () => {
    const attacker = rsaKeyPair();
    const jwk = attacker.privateKey.export({ format: 'jwk' });
    const token = signToken(
      { sub: 'admin' },
      { algorithm: 'RS256', key: attacker.privateKey, header: { jwk: { kty: jwk.kty, n: jwk.n, e: jwk.e } } },
    );
    await expectUnauthenticated(broker, `Bearer ${token}`);
  });
});

describe('ES256 tokens verified through a JWKS endpoint', () => {
  let jwks: JwksServer;
  const first = ecKeyPair();
  const jwkOf = (key: ReturnType<typeof ecKeyPair>, kid: string) => ({
    ...key.publicKey.export({ format: 'jwk' }),
    kid,
    alg: 'ES256',
    use: 'sig',
  });

  beforeAll(async () => {
    jwks = await JwksServer.start();
    jwks.keys = [jwkOf(first, 'key-1')];
  });
  afterAll(async () => {
    await jwks?.close();
  });
  const broker = useBroker(() => ({ JWT_JWKS_URL: jwks.url, JWT_HS256_SECRET: '' }));

  /** Publishes a new key under a kid of the test's own, so what the broker cached depends on no other test. */
  const publishKey = (kid: string) => {
    const key = ecKeyPair();
    jwks.keys = [...jwks.keys, jwkOf(key, kid)];
    return key;
  };
  const whoamiWith = (key: ReturnType<typeof ecKeyPair>, kid: string) =>
    broker
      .http()
      .get('/v1/whoami')
      .auth(signToken({ sub: 'carol' }, { algorithm: 'ES256', key: key.privateKey, keyid: kid }), { type: 'bearer' });

  it('accepts a token whose kid is in the key set, and caches the keys', async () => {
    const key = publishKey('key-cached');
    const fetchesBefore = jwks.fetches;
    for (let i = 0; i < 3; i++) await whoamiWith(key, 'key-cached').expect(200);
    expect(jwks.fetches).toBe(fetchesBefore + 1);
  });

  it('refetches the key set for an unknown kid (key rotation)', async () => {
    await whoamiWith(first, 'key-1').expect(200);
    const fetchesBefore = jwks.fetches;
    const second = publishKey('key-2');
    await whoamiWith(second, 'key-2').expect(200);
    expect(jwks.fetches).toBe(fetchesBefore + 1);
  });

  it('rejects a kid that is not in the key set and a token signed by an unknown key', async () => {
    const stranger = ecKeyPair();
    await expectUnauthenticated(
      broker,
      `Bearer ${signToken({ sub: 'carol' }, { algorithm: 'ES256', key: stranger.privateKey, keyid: 'key-9' })}`,
    );
    await expectUnauthenticated(
      broker,
      `Bearer ${signToken({ sub: 'carol' }, { algorithm: 'ES256', key: stranger.privateKey, keyid: 'key-1' })}`,
    );
  });

  it('rejects an HS256 token when no shared secret is configured', async () => {
    await expectUnauthenticated(broker, `Bearer ${signToken({ sub: 'carol' }, { key: HS256_SECRET })}`);
  });
});
