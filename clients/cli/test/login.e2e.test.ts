import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../../test/support/broker.js';
import { startOidcProvider, type TestOidcProvider } from '../../../test/support/oidc-provider.js';
import { BUILT_CLI, buildCli, builtCli } from './support.js';

/** `brokerctl login` against a real OpenID provider: Authorization Code + PKCE through a loopback redirect. */
describe('brokerctl login with OpenID Connect', () => {
  let provider: TestOidcProvider;
  let broker: TestBroker;
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    buildCli();
    provider = await startOidcProvider({ groups: { alice: ['platform'] } });
    broker = await startBroker(provider.brokerEnv);
    await broker.app.listen(0, '127.0.0.1');
    home = mkdtempSync(join(tmpdir(), 'brokerctl-login-'));
    env = { XDG_CONFIG_HOME: home };
    const configured = await builtCli(
      ['config', 'set-context', 'corp', '--server', await broker.app.getUrl(), '--issuer', provider.issuer, '--use'],
      { env },
    );
    expect(configured.code, configured.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await broker?.close();
    await provider?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Starts `brokerctl login` and resolves with the sign-in URL it prints, and its exit. */
  async function startLogin() {
    const child = spawn(process.execPath, [BUILT_CLI, 'login', '--no-browser'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const found = /^ {2}(http\S+)$/m.exec(stderr);
        if (found) resolve(found[1]);
      });
      void exited.then(() => reject(new Error(`login exited before printing a URL: ${stderr}`)));
    });
    return { url, exited };
  }

  it('signs in through the browser flow, stores the token 0600, and whoami works with it', async () => {
    const { url, exited } = await startLogin();
    const authorization = new URL(url);
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    // The browser: signs in at the provider, then follows the redirect to brokerctl's listener.
    const callback = await provider.signIn(url, 'alice');
    const landing = await fetch(callback);
    expect(await landing.text()).toContain('Signed in');

    const login = await exited;
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe('');
    expect(login.stderr).toContain('as user:alice');
    const stored = join(home, 'brokerctl', 'credentials', 'corp.json');
    expect(statSync(stored).mode & 0o777).toBe(0o600);

    const whoami = await builtCli(['whoami', '-o', 'json'], { env });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      subject: 'user:alice',
      subjects: ['user:alice', 'group:platform'],
      credential: { source: 'login', description: `brokerctl login (context corp, ${stored})` },
    });
  });

  it('refuses a callback whose state is not the one it sent, and stores nothing new', async () => {
    const stored = readFileSync(join(home, 'brokerctl', 'credentials', 'corp.json'), 'utf8');
    const { url, exited } = await startLogin();
    const redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
    await fetch(`${redirectUri}?code=forged&state=not-the-state`);
    const login = await exited;
    expect(login.code).toBe(4);
    expect(login.stderr).toContain('the sign-in failed');
    expect(readFileSync(join(home, 'brokerctl', 'credentials', 'corp.json'), 'utf8')).toBe(stored);
  });
});
