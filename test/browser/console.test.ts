import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerClient, type BrokerClient } from '../../clients/typescript/index.js';
import {
  launchChromium,
  screenshotDirectory,
  seriousAccessibilityViolations,
  watchedPage,
  type PageProblems,
} from '../support/browser.js';
import { buildIfStale, type DevBroker, freePort, startDevBroker } from '../support/dev-broker.js';
import { CONSOLE_CLIENT_ID, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { useWebhookReceiver } from '../support/webhook-receiver.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NAMESPACE = 'team-a';
const SECRET = 'db-main';
// Values the browser must never see in a list response, and sees only when revealed.
const FIRST_PASSWORD = 'first-password-7a1c9e';
const SECOND_PASSWORD = 'second-password-4be2d0';

// The console runs against dev mode, which keeps its data in SQLite whatever the suite's database:
// run it in one lane only (the SQLite one), not once per database.
const onPostgres = /^postgres/.test(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? '');

describe.skipIf(onPostgres)(
  'the web console, in Chromium against the built broker in dev mode',
  { timeout: 90_000 },
  () => {
    let provider: TestOidcProvider;
    let dev: DevBroker;
    let dataDir: string;
    let url: string;
    let admin: BrokerClient;
    let browser: Browser;
    let shots: string;
    const contexts: BrowserContext[] = [];
    // Registered before the broker starts, so the subscription can name it.
    const receiver = useWebhookReceiver();
    const watched: { label: string; problems: PageProblems }[] = [];

    beforeAll(async () => {
      buildIfStale();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      provider = await startOidcProvider({ consoleRedirectUris: [`${url}/console/callback`] });
      dataDir = mkdtempSync(join(tmpdir(), 'console-dev-'));
      shots = screenshotDirectory(ROOT, join(dataDir, 'screenshots'));
      dev = await startDevBroker(dataDir, port, {
        env: {
          CONSOLE_OIDC_ISSUER: provider.issuer,
          CONSOLE_OIDC_CLIENT_ID: CONSOLE_CLIENT_ID,
          // The provider's RS256 access tokens, beside dev mode's HS256 tokens (so no issuer or audience check).
          JWT_JWKS_URL: provider.jwksUrl,
        },
      });
      admin = createBrokerClient(url, dev.exports.BROKER_TOKEN);
      const subscription = await admin.POST('/v1/webhooks', {
        body: { url: receiver.url, eventTypes: ['secret.created', 'secret.updated'], namespace: NAMESPACE },
      });
      expect(subscription.response.status).toBe(201);
      const created = await admin.POST('/v1/namespaces/{namespace}/secrets', {
        params: { path: { namespace: NAMESPACE } },
        body: { name: SECRET, data: { username: 'app', password: FIRST_PASSWORD }, reason: 'console test' },
      });
      expect(created.response.status).toBe(201);
      const updated = await admin.PUT('/v1/namespaces/{namespace}/secrets/{name}', {
        params: { path: { namespace: NAMESPACE, name: SECRET } },
        body: { data: { username: 'app', password: SECOND_PASSWORD }, reason: 'new password' },
      });
      expect(updated.response.status).toBe(200);
      for (const name of ['api-token', 'db-replica']) {
        const generated = await admin.POST('/v1/namespaces/{namespace}/secrets', {
          params: { path: { namespace: NAMESPACE } },
          body: {
            name,
            generate: { token: { type: 'password', length: 32 } },
            rotationPolicy: { generators: { token: { type: 'password', length: 32 } }, intervalSeconds: 86_400 },
            reason: 'console test',
          },
        });
        expect(generated.response.status).toBe(201);
        expect(generated.data?.secret.rotationPolicy).toMatchObject({ intervalSeconds: 86_400 });
      }
      const granted = await admin.POST('/v1/grants', {
        body: { subject: 'user:alice', role: 'reader', namespace: NAMESPACE, namePattern: 'api-*', reason: 'on-call' },
      });
      expect(granted.response.status).toBe(201);
      const policy = await admin.POST('/v1/access-policies', {
        body: {
          name: 'team-a-databases',
          namespace: NAMESPACE,
          namePattern: 'db-*',
          roles: ['reader'],
          requesters: ['user:alice'],
          approvalsRequired: 1,
          maxDurationSeconds: 7200,
          requireReason: true,
        },
      });
      expect(policy.response.status).toBe(201);
      browser = await launchChromium();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await dev?.stop();
      await provider?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    afterEach(async () => {
      for (const context of contexts.splice(0)) await context.close();
      // No console error and no Content-Security-Policy violation on any page a test opened.
      const seen = watched.splice(0);
      expect(seen.flatMap(({ label, problems }) => problems.errors.map((error) => `${label}: ${error}`))).toEqual([]);
      expect(seen.flatMap(({ label, problems }) => problems.cspViolations.map((v) => `${label}: ${v}`))).toEqual([]);
    });

    /** A fresh browser context (its own storage) and a watched page in it. */
    async function openPage(label: string): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
      contexts.push(context);
      const { page, problems } = await watchedPage(context, url);
      watched.push({ label, problems });
      return page;
    }

    function bannerLink(subject: string): string {
      const line = new RegExp(`as user:${subject}:\\s+(\\S+)`).exec(dev.banner);
      if (!line) throw new Error(`no console link for ${subject} in the banner`);
      return line[1];
    }

    /** Opens `path` of the console signed in with the banner's token for `subject` (in the fragment). */
    async function signedIn(label: string, path = '/console/', subject = 'dev-admin'): Promise<Page> {
      const page = await openPage(label);
      await page.goto(`${url}${path}${new URL(bannerLink(subject)).hash}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      return page;
    }

    async function storageKeys(page: Page): Promise<string[]> {
      return page.evaluate('[...Object.keys(localStorage), ...Object.keys(sessionStorage)]');
    }

    async function expectAccessible(page: Page, what: string): Promise<void> {
      expect(await seriousAccessibilityViolations(page), what).toEqual([]);
    }

    async function screenshot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
    }

    it('signs in through the OpenID provider (code + PKCE) and signs out leaving nothing in storage', async () => {
      const page = await openPage('sign-in');
      await page.goto(`${url}/console/`);
      await expectAccessible(page, 'sign-in page');
      await screenshot(page, 'sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByLabel('Account').fill('carol');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByLabel('Signed in as').textContent(), { timeout: 15_000 }).toBe('user:carol');
      expect(new URL(page.url()).pathname).toBe('/console/secrets');
      expect(page.url()).not.toMatch(/code=|state=/);
      expect(await storageKeys(page)).toEqual([]);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out').waitFor();
      expect(await storageKeys(page)).toEqual([]);
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    });

    it('takes the token of the dev banner link, drops it from the address bar, and lists secrets without values', async () => {
      const page = await openPage('secrets list');
      const served = await page.goto(bannerLink('dev-admin'));
      const policy = served?.headers()['content-security-policy'] ?? '';
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain(`connect-src 'self' ${provider.issuer};`);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('unsafe');
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      expect(page.url()).not.toContain('token=');
      expect(await storageKeys(page)).toEqual([]);
      const bodies: string[] = [];
      page.on('response', (response) => {
        if (response.request().method() === 'GET' && new URL(response.url()).pathname.startsWith('/v1/')) {
          bodies.push(response.url());
          void response.text().then((text) => bodies.push(text));
        }
      });
      await page.getByLabel('Namespace').fill(NAMESPACE);
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByRole('link', { name: SECRET }).waitFor();
      expect(new URL(page.url()).searchParams.get('namespace')).toBe(NAMESPACE);
      await expectAccessible(page, 'secrets list');
      await screenshot(page, 'secrets');

      await page.getByRole('link', { name: SECRET }).click();
      for (const tab of ['Versions', 'Rotation', 'Consumers', 'Activity', 'Overview']) {
        await page.getByRole('tab', { name: tab }).click();
        await page.getByRole('tabpanel').locator('table, dl').first().waitFor();
        await expectAccessible(page, `secret ${tab}`);
      }
      expect(bodies.some((body) => body.startsWith(`${url}/v1/namespaces/${NAMESPACE}/secrets?`))).toBe(true);
      expect(bodies.some((body) => body.includes(`"name":"${SECRET}"`))).toBe(true);
      for (const body of bodies) {
        expect(body).not.toContain(FIRST_PASSWORD);
        expect(body).not.toContain(SECOND_PASSWORD);
      }

      const rotation = await signedIn('rotation', `/console/secrets/${NAMESPACE}/db-replica?tab=rotation`);
      await rotation.getByText('generators token: password (32); every 1 d').waitFor();
      await expectAccessible(rotation, 'secret rotation');
      await screenshot(rotation, 'secret-rotation');
      await rotation.getByRole('button', { name: 'Rotate now' }).click();
      await rotation
        .getByRole('dialog', { name: 'Rotate db-replica now?' })
        .getByRole('button', { name: 'Rotate' })
        .click();
      await rotation.getByText('Rotated: version 2 is now current.').waitFor();
    });

    async function readEvents(): Promise<number> {
      const { data } = await admin.GET('/v1/audit-events', {
        params: { query: { namespace: NAMESPACE, name: SECRET, verb: 'read', limit: 100 } },
      });
      return data?.items.length ?? -1;
    }

    it('reveals a value with one audit event and masks it again after 30 seconds; copy never shows it', async () => {
      const page = await openPage('reveal');
      await page.clock.install();
      await page.goto(`${url}/console/secrets/${NAMESPACE}/${SECRET}${new URL(bannerLink('dev-admin')).hash}`);
      const value = page.getByTestId('value-password');
      await value.waitFor();
      expect(await value.textContent()).not.toContain(SECOND_PASSWORD);
      const before = await readEvents();

      await page.getByRole('button', { name: 'Reveal password' }).click();
      await expect.poll(() => value.textContent()).toBe(SECOND_PASSWORD);
      expect(await readEvents()).toBe(before + 1);
      await screenshot(page, 'secret-overview');

      await page.clock.fastForward(30_000);
      await expect.poll(() => value.textContent()).not.toContain(SECOND_PASSWORD);
      await page.getByText('password masked again').waitFor();

      await page.getByRole('button', { name: 'Copy password' }).click();
      await page.getByText('password copied to the clipboard').waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(SECOND_PASSWORD);
      expect(await page.content()).not.toContain(SECOND_PASSWORD);
    });

    async function isFocused(locator: Locator): Promise<boolean> {
      return locator.evaluate((element) => element === element.ownerDocument.activeElement);
    }

    /** Presses `key` (Tab or Shift+Tab) until `target` has the focus, as a keyboard user would. */
    async function tabTo(page: Page, target: Locator, key = 'Tab'): Promise<void> {
      for (let presses = 0; presses < 60; presses++) {
        if (await isFocused(target)) return;
        await page.keyboard.press(key);
      }
      throw new Error('the keyboard never reached the element');
    }

    async function currentVersion(): Promise<number> {
      const { data } = await admin.GET('/v1/namespaces/{namespace}/secrets/{name}', {
        params: { path: { namespace: NAMESPACE, name: SECRET } },
      });
      return data?.currentVersion ?? -1;
    }

    it('rolls back with the keyboard alone behind a confirmation dialog, and version N+1 appears under Activity', async () => {
      const page = await signedIn('rollback', `/console/secrets/${NAMESPACE}/${SECRET}?tab=versions`);
      const before = await currentVersion();
      const rollback = page.getByRole('button', { name: 'Roll back to version 1' });
      await rollback.waitFor();
      await tabTo(page, rollback);
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: `Roll back ${SECRET} to version 1?` });
      await dialog.waitFor();
      expect(await isFocused(dialog.getByLabel(/^Reason/))).toBe(true);
      // Escape closes it and the focus returns to the button that opened it.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await isFocused(rollback)).toBe(true);
      expect(await currentVersion()).toBe(before);

      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await expectAccessible(page, 'rollback dialog');
      await screenshot(page, 'rollback-dialog');
      await page.keyboard.type('bad rotation');
      await page.keyboard.press('Enter');
      await page.getByText(`Rolled back: version ${before + 1} is now current.`).waitFor();
      expect(await currentVersion()).toBe(before + 1);
      await screenshot(page, 'secret-versions');

      const versionsTab = page.getByRole('tab', { name: 'Versions' });
      await tabTo(page, versionsTab, 'Shift+Tab');
      for (let step = 0; step < 3; step++) await page.keyboard.press('ArrowRight');
      expect(await isFocused(page.getByRole('tab', { name: 'Activity' }))).toBe(true);
      const row = page
        .getByRole('row')
        .filter({ hasText: `${NAMESPACE}/${SECRET} v${before + 1}` })
        .filter({ hasText: 'rollback' });
      await row.first().waitFor();
      expect(await row.count()).toBeGreaterThan(0);
      await screenshot(page, 'secret-activity');
    });

    it('keeps the audit filters in the URL, and they change the results', async () => {
      const page = await signedIn('audit', '/console/audit');
      await page.getByText(/verified up to event \d+/).waitFor();
      const actions = page.getByRole('table').locator('tbody tr td:nth-child(3)');
      await actions.first().waitFor();
      expect(new Set(await actions.allTextContents()).size).toBeGreaterThan(1);

      await page.getByLabel('Action').selectOption('update');
      await page.getByLabel('Secret').fill(SECRET);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('update');
      expect(new URL(page.url()).searchParams.get('name')).toBe(SECRET);
      const { data } = await admin.GET('/v1/audit-events', {
        params: { query: { verb: 'update', name: SECRET, limit: 25 } },
      });
      const expected = data?.items.length ?? 0;
      expect(expected).toBeGreaterThan(0);
      await expect.poll(() => actions.allTextContents()).toEqual(Array(expected).fill('update'));
      await expectAccessible(page, 'audit log');
      await screenshot(page, 'audit');

      // The filtered view is a link: opened afresh, it shows the same filters and results.
      const again = await signedIn('audit link', `/console/audit${new URL(page.url()).search}`);
      await expect.poll(() => again.getByLabel('Action').inputValue()).toBe('update');
      const againActions = again.getByRole('table').locator('tbody tr td:nth-child(3)');
      await expect.poll(() => againActions.allTextContents()).toEqual(Array(expected).fill('update'));

      await again
        .getByRole('button', { name: /^Event / })
        .first()
        .click();
      const drawer = again.getByRole('dialog', { name: /^Audit event / });
      await drawer.waitFor();
      await expectAccessible(again, 'audit event drawer');
      await screenshot(again, 'audit-event');
      await again.keyboard.press('Escape');
      await drawer.waitFor({ state: 'detached' });

      const download = again.waitForEvent('download');
      await again.getByRole('button', { name: /^Export NDJSON/ }).click();
      const exported = await readFile(await (await download).path(), 'utf8');
      const events = exported
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; action: string });
      expect(events.length).toBeGreaterThan(expected);
      expect(events.filter((event) => event.action === 'update').length).toBeGreaterThanOrEqual(expected);
    });

    it('shows grants with an access-review preview, webhooks, leases and me, accessibly', async () => {
      const page = await signedIn('grants', '/console/grants');
      await page.getByRole('cell', { name: 'user:alice' }).first().waitFor();
      await page.getByLabel('Subject').fill('user:alice');
      await page.getByLabel('Role').selectOption('rotator');
      await page.getByLabel('Namespace').fill(NAMESPACE);
      await page.getByLabel('Secret name pattern').fill('api-*');
      await page.getByText(/^read: already allowed/).waitFor();
      await page.getByText(/^rotate: newly granted/).waitFor();
      await expectAccessible(page, 'grants');
      await page.getByRole('heading', { name: 'New grant' }).scrollIntoViewIfNeeded();
      await screenshot(page, 'grants');

      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('link', { name: `Deliveries to ${receiver.url}` }).click();
      await expect
        .poll(() => page.getByRole('cell', { name: 'delivered' }).count(), { timeout: 15_000 })
        .toBeGreaterThan(0);
      const delivered = receiver.deliveries.length;
      await page
        .getByRole('button', { name: /^Redeliver/ })
        .first()
        .click();
      await page.getByText('Queued for redelivery.').waitFor();
      await expect.poll(() => receiver.deliveries.length, { timeout: 15_000 }).toBe(delivered + 1);
      await expectAccessible(page, 'webhook deliveries');
      await screenshot(page, 'webhooks');

      for (const [section, heading] of [
        ['Leases', 'Leases'],
        ['Me', 'Me'],
      ] as const) {
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.getByRole('table').first().waitFor();
        await expectAccessible(page, section);
        await screenshot(page, section.toLowerCase());
      }

      const alice = await signedIn('alice me', '/console/me', 'alice');
      await alice.getByRole('cell', { name: `${NAMESPACE}/api-*` }).waitFor();
      await expectAccessible(alice, 'me as alice');
    });

    it('runs an approval across two browsers: the inbox updates live, the approver approves, the requester reads', async () => {
      const approver = await signedIn('approver', '/console/access?view=needs-my-review');
      await approver.getByText('Updates: live').waitFor();
      const requester = await signedIn('requester', '/console/access/new', 'alice');
      await requester.getByLabel(/^Reason/).fill('incident 4711: slow queries');
      await requester.getByText('Who could approve: user:dev-admin').waitFor();
      await requester.getByText('Effective duration: 1 h').waitFor();
      await expectAccessible(requester, 'new access request');
      await screenshot(requester, 'access-new');
      await requester.getByRole('button', { name: 'Send request' }).click();
      await requester.getByText('Your own request: someone else must review it.').waitFor();
      const id = new URL(requester.url()).pathname.split('/').pop() ?? '';
      // No approve button on one's own request, and the server refuses it too.
      expect(await requester.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      const alice = createBrokerClient(url, dev.exports.ALICE_TOKEN);
      const own = await alice.POST('/v1/access-requests/{id}/reviews', {
        params: { path: { id } },
        body: { decision: 'approve' },
      });
      expect(own.response.status).toBe(403);
      await requester.getByText('Updates: live').waitFor();
      await expectAccessible(requester, 'own access request');

      // The approver's inbox shows it without a reload.
      const link = approver.getByRole('link', { name: `request ${id.slice(0, 8)}` });
      await link.waitFor({ timeout: 15_000 });
      await expectAccessible(approver, 'access inbox');
      await screenshot(approver, 'access-inbox');
      await link.click();
      await approver.getByRole('button', { name: 'Approve' }).click();
      const dialog = approver.getByRole('dialog', { name: 'Approve this request?' });
      await dialog.getByLabel(/^Shorter duration/).fill('30');
      await expectAccessible(approver, 'approve dialog');
      await screenshot(approver, 'access-approve');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await approver.getByText('1 of 1').waitFor();

      // The requester's page follows: approved, the grant active, capped at 30 minutes.
      await requester.getByRole('heading', { level: 1 }).getByText('approved').waitFor({ timeout: 15_000 });
      await requester.getByRole('definition').getByText('active').waitFor();
      await requester.getByText('30 min (capped by the policy or an approver)').waitFor();
      await screenshot(requester, 'access-request');
      const { data: current } = await admin.POST('/v1/namespaces/{namespace}/secrets/{name}/request', {
        params: { path: { namespace: NAMESPACE, name: SECRET } },
        body: { keys: ['password'] },
      });
      const password = current?.values[0]?.value ?? '';
      await requester.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Secrets' }).click();
      await requester.getByRole('link', { name: SECRET }).click();
      await requester.getByRole('button', { name: 'Reveal password' }).click();
      await expect.poll(() => requester.getByTestId('value-password').textContent()).toBe(password);

      const breakGlass = await signedIn('break glass', '/console/access/new?breakGlass=true', 'alice');
      await breakGlass.getByText(/^Break-glass access is granted at once/).waitFor();
      await expectAccessible(breakGlass, 'break-glass form');
    });
  },
);
