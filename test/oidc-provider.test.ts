import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from './support/broker.js';
import { CLI_CLIENT_ID, CONSOLE_CLIENT_ID, startOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';

/** The test OpenID provider the CLI and console sign in with: its tokens are accepted by a broker configured for it. */
describe('the test OpenID provider', () => {
  let provider: TestOidcProvider;
  let broker: TestBroker;
  beforeAll(async () => {
    provider = await startOidcProvider({
      groups: { alice: ['platform'] },
      consoleRedirectUris: ['http://127.0.0.1:9/console/'],
    });
    broker = await startBroker(provider.brokerEnv);
  });
  afterAll(async () => {
    await broker?.close();
    await provider?.close();
  });

  async function codeFlow(clientId: string, redirectUri: string) {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const authorization = new URL(`${provider.issuer}/auth`);
    authorization.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const landed = new URL(await provider.signIn(authorization.href, 'alice'));
    expect(`${landed.origin}${landed.pathname}`).toBe(redirectUri);
    expect(landed.searchParams.get('state')).toBe(state);
    const response = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code: landed.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { access_token: string; token_type: string };
  }

  it('issues the CLI an RS256 JWT access token for the broker through a loopback redirect on any port', async () => {
    const { access_token: token } = await codeFlow(CLI_CLIENT_ID, 'http://127.0.0.1:49152/callback');
    const [header, claims] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header.alg).toBe('RS256');
    expect(claims).toMatchObject({ iss: provider.issuer, aud: provider.audience, sub: 'alice', groups: ['platform'] });

    const whoami = await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' });
    expect(whoami.status).toBe(200);
    expect(whoami.body.subjects).toEqual(expect.arrayContaining(['user:alice', 'group:platform']));
  });

  it('signs the console in at its configured redirect URL', async () => {
    const { access_token: token } = await codeFlow(CONSOLE_CLIENT_ID, 'http://127.0.0.1:9/console/');
    expect((await broker.http().get('/v1/whoami').auth(token, { type: 'bearer' })).status).toBe(200);
  });

  it('refuses a redirect URI the client does not have, before any sign-in', async () => {
    const authorization = `${provider.issuer}/auth?${new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://127.0.0.1:9/elsewhere',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString()}`;
    await expect(provider.signIn(authorization, 'alice')).rejects.toThrow(/redirect_uri/);
  });
});
