import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (package `chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** What went wrong in a page: console errors, uncaught exceptions and Content-Security-Policy violations. */
export interface PageProblems {
  readonly errors: string[];
  readonly cspViolations: string[];
}

/**
 * A page whose console errors, uncaught exceptions and CSP violations are collected while it shows
 * a page of `origin` (not while it visits another site, such as the sign-in provider's form).
 */
export async function watchedPage(
  context: BrowserContext,
  origin: string,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], cspViolations: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' && page.url().startsWith(`${origin}/`)) {
      problems.errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  // The page's own report of each violation (Chromium also logs it as a console error).
  await page.exposeFunction('reportCspViolation', (violation: string) => problems.cspViolations.push(violation));
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI));`,
  });
  return { page, problems };
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) in the page and returns the serious and critical
 * violations. The script is evaluated through the DevTools protocol, which the page's CSP
 * does not govern, so the console's policy stays as strict as in production.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(await axeSource);
  const violations: AxeViolation[] = await page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  })()`);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * Screenshots go to docs/console (the tour in docs/console.md) when UPDATE_CONSOLE_SCREENSHOTS=1,
 * otherwise to `fallback`, so an ordinary test run leaves the work tree as it was.
 */
export function screenshotDirectory(root: string, fallback: string): string {
  const directory = process.env.UPDATE_CONSOLE_SCREENSHOTS === '1' ? join(root, 'docs', 'console') : fallback;
  mkdirSync(directory, { recursive: true });
  return directory;
}
