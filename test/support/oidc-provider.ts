import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** The public client `brokerctl login` uses: native, PKCE, loopback redirect on any port (RFC 8252 §7.3). */
export const CLI_CLIENT_ID = 'brokerctl';
/** The public client the web console uses: PKCE, redirect to the console's own URL. */
export const CONSOLE_CLIENT_ID = 'broker-console';
/** The resource indicator (RFC 8707) the access tokens are issued for; also their `aud`. */
export const BROKER_AUDIENCE = 'urn:secrets-broker';

export interface OidcProviderOptions {
  /** Where the console client may be redirected after sign-in (default: none, only the CLI client works). */
  readonly consoleRedirectUris?: readonly string[];
  /** Groups put in the access token's `groups` claim, by account id. */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /** Lifetime of the access tokens (default 3600 s). */
  readonly accessTokenTtlSeconds?: number;
}

/**
 * A real OpenID Connect provider (panva's `oidc-provider`) on 127.0.0.1, issuing RS256 JWT access
 * tokens for the broker. Sign-in is a plain HTML form at `/interaction/:uid` (field `login`: the
 * account id, which becomes `sub`); submitting it is also the consent, for whatever scopes the
 * client asked.
 */
export interface TestOidcProvider {
  /** `http://127.0.0.1:<port>`; also the `iss` of every token. */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly audience: string;
  /** What the broker needs to accept this provider's access tokens. */
  readonly brokerEnv: { JWT_ISSUER: string; JWT_JWKS_URL: string; JWT_AUDIENCE: string };
  /**
   * Plays the browser: opens `authorizationUrl`, signs in as `accountId` on the login form, and
   * returns the URL the provider finally redirects to (the client's redirect URI with `code` and
   * `state`, or `error`), without opening it.
   */
  signIn(authorizationUrl: string, accountId: string): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, configuration(options));
  const handleOidc = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(request.url ?? '/', issuer).pathname);
    if (!interaction) return void handleOidc(request, response);
    const handled = interaction[2] ? finishLogin(provider, request, response) : showLoginForm(interaction[1], response);
    handled.catch((error: unknown) => {
      response.statusCode = 400;
      response.end(error instanceof Error ? error.message : 'sign-in failed');
    });
  });
  const jwksUrl = `${issuer}/jwks`;
  return {
    issuer,
    jwksUrl,
    audience: BROKER_AUDIENCE,
    brokerEnv: { JWT_ISSUER: issuer, JWT_JWKS_URL: jwksUrl, JWT_AUDIENCE: BROKER_AUDIENCE },
    signIn: (authorizationUrl, accountId) => signIn(issuer, authorizationUrl, accountId),
    close: () => closeServer(server),
  };
}

function configuration(options: OidcProviderOptions): Configuration {
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const groups = options.groups ?? {};
  return {
    clients: [
      {
        client_id: CLI_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: CONSOLE_CLIENT_ID,
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [...(options.consoleRedirectUris ?? ['http://127.0.0.1/console/'])],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: randomUUID(), alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomUUID()] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // Both clients are first-party: consent is implied for whatever they ask.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(typeof params?.scope === 'string' ? params.scope : 'openid');
      grant.addResourceScope(BROKER_AUDIENCE, 'broker');
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => BROKER_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'broker',
          audience: BROKER_AUDIENCE,
          accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken' && token.accountId ? { groups: [...(groups[token.accountId] ?? [])] } : undefined,
    // The console calls the token endpoint from its own origin.
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600 },
    renderError: (ctx, out) => {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}`;
    },
  };
}

function showLoginForm(uid: string, response: ServerResponse): Promise<void> {
  response.setHeader('content-type', 'text/html; charset=utf-8');
  response.end(
    `<!doctype html><html lang="en"><head><title>Sign in</title></head><body><main>` +
      `<h1>Sign in</h1><form method="post" action="/interaction/${uid}/login">` +
      `<label for="login">Account</label> <input id="login" name="login" autocomplete="username" required>` +
      `<button type="submit">Sign in</button></form></main></body></html>`,
  );
  return Promise.resolve();
}

async function finishLogin(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  const accountId = new URLSearchParams(body).get('login')?.trim();
  if (!accountId) throw new Error('login is required');
  // Signing in on this form is also the End-User's consent (which native clients always need).
  const result = { login: { accountId }, consent: {} };
  await provider.interactionFinished(request, response, result, { mergeWithLastSubmission: false });
}

async function signIn(issuer: string, authorizationUrl: string, accountId: string): Promise<string> {
  const cookies = new Map<string, string>();
  const visit = async (url: string, init: RequestInit = {}): Promise<string> => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const separator = pair.indexOf('=');
      cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`${url} answered ${response.status} without a redirect: ${await response.text()}`);
    return new URL(location, url).href;
  };
  let next = await visit(authorizationUrl);
  for (let hops = 0; next.startsWith(`${issuer}/`); hops++) {
    if (hops > 10) throw new Error('too many redirects at the OpenID provider');
    const interaction = /\/interaction\/([\w-]+)$/.exec(new URL(next).pathname);
    next = interaction
      ? await visit(`${issuer}/interaction/${interaction[1]}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ login: accountId }).toString(),
        })
      : await visit(next);
  }
  return next;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
