import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { CliError, ExitCode, usageError } from './errors.js';
import type { CliIo } from './io.js';

export interface LoginSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly timeoutSeconds: number;
  readonly openBrowser: boolean;
}

export interface LoginResult {
  readonly accessToken: string;
  readonly expiresAt?: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * OpenID Connect Authorization Code with PKCE (S256) through a loopback redirect (RFC 8252 §7.3):
 * a one-shot HTTP listener on 127.0.0.1 and a free port receives the code; the browser is opened
 * on a terminal, and the URL is printed on stderr for any other device.
 */
export async function loginWithBrowser(io: CliIo, settings: LoginSettings): Promise<LoginResult> {
  const issuer = new URL(settings.issuer);
  const loopbackIssuer = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
  if (issuer.protocol !== 'https:' && !loopbackIssuer)
    throw usageError(`the issuer must be an https URL: ${settings.issuer}`);
  let configuration: oidc.Configuration;
  try {
    configuration = await oidc.discovery(
      issuer,
      settings.clientId,
      undefined,
      oidc.None(),
      loopbackIssuer ? { execute: [oidc.allowInsecureRequests] } : undefined,
    );
  } catch (error) {
    throw new CliError(
      ExitCode.unavailable,
      `cannot discover the OpenID provider ${settings.issuer}: ${message(error)}`,
    );
  }
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
  try {
    const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: settings.scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    io.stderr.write(`Sign in at:\n  ${authorizationUrl.href}\nWaiting for the sign-in to finish…\n`);
    if (settings.openBrowser) openInBrowser(authorizationUrl.href);
    const callbackUrl = await waitForCallback(listener, redirectUri, settings.timeoutSeconds);
    const tokens = await oidc
      .authorizationCodeGrant(configuration, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state })
      .catch((error: unknown) => {
        throw new CliError(ExitCode.unauthenticated, `the sign-in failed: ${message(error)}`);
      });
    const expiresIn = tokens.expiresIn();
    return {
      accessToken: tokens.access_token,
      ...(expiresIn === undefined ? {} : { expiresAt: Date.now() + expiresIn * 1000 }),
    };
  } finally {
    listener.closeAllConnections();
    listener.close();
  }
}

function waitForCallback(
  listener: ReturnType<typeof createServer>,
  redirectUri: string,
  timeoutSeconds: number,
): Promise<URL> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CliError(ExitCode.unauthenticated, `no sign-in within ${timeoutSeconds} s`)),
      timeoutSeconds * 1000,
    );
    listener.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') {
        response.statusCode = 404;
        return void response.end();
      }
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.setHeader('connection', 'close');
      const failed = url.searchParams.get('error');
      response.end(
        failed ? `Sign-in failed: ${failed}. You can close this window.\n` : 'Signed in. You can close this window.\n',
      );
      clearTimeout(timer);
      if (failed) {
        const description = url.searchParams.get('error_description');
        reject(
          new CliError(
            ExitCode.unauthenticated,
            `the OpenID provider refused: ${failed}${description ? ` (${description})` : ''}`,
          ),
        );
      } else resolve(url);
    });
  });
}

function openInBrowser(url: string): void {
  const [command, ...args] =
    process.platform === 'darwin'
      ? ['open']
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""']
        : ['xdg-open'];
  const opener = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
  opener.on('error', () => undefined);
  opener.unref();
}

/** The `exp` of a JWT, in epoch milliseconds, when the token is one. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && 'exp' in claims && typeof claims.exp === 'number'
      ? claims.exp * 1000
      : undefined;
  } catch {
    return undefined;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
