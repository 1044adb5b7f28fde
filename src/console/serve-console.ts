import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { ConsoleConfig } from '../config/app-config.js';

export const CONSOLE_PATH = '/console';
const ASSETS_PATH = `${CONSOLE_PATH}/assets/`;

/**
 * The Content-Security-Policy of every console response: scripts and styles only from the
 * broker itself (no inline script), connections only to the API and the configured issuer,
 * never framed.
 */
export function consoleContentSecurityPolicy(config: ConsoleConfig): string {
  const issuer = config.oidc ? ` ${new URL(config.oidc.issuer).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${issuer}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the built console (dist/console) at /console: hashed assets as static files, every
 * other path under /console the single page (the console routes in the browser). Registered on
 * Fastify directly, outside Nest's guards: the page and its assets are public, the data behind
 * them is the public API. Call before init.
 */
export async function serveConsole(app: NestFastifyApplication, config: ConsoleConfig): Promise<void> {
  const directory = builtConsoleDirectory();
  const page = consolePage(readFileSync(join(directory, 'index.html'), 'utf8'), config);
  const policy = consoleContentSecurityPolicy(config);
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('Content-Security-Policy', policy);
      reply.header('X-Frame-Options', 'DENY');
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'no-referrer');
    });
    await scope.register(fastifyStatic, {
      root: join(directory, 'assets'),
      prefix: ASSETS_PATH,
      decorateReply: false,
      index: false,
      // File names carry a content hash.
      immutable: true,
      maxAge: '365d',
    });
    scope.get(CONSOLE_PATH, (_request, reply) => reply.redirect(`${CONSOLE_PATH}/`));
    scope.get(`${CONSOLE_PATH}/*`, (_request, reply) =>
      reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(page),
    );
  });
}

/** The page with the sign-in settings as meta tags (read by the console; no inline script). */
export function consolePage(template: string, config: ConsoleConfig): string {
  const meta = config.oidc
    ? `<meta name="broker-oidc-issuer" content="${escapeAttribute(config.oidc.issuer)}">\n    ` +
      `<meta name="broker-oidc-client-id" content="${escapeAttribute(config.oidc.clientId)}">`
    : '';
  return template.replace('<!-- broker-settings -->', meta);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** dist/console of this package, from src/ (tests) or dist/src/ (the built broker). */
function builtConsoleDirectory(): string {
  let directory = import.meta.dirname;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  const built = join(directory, 'dist', 'console');
  if (!existsSync(join(built, 'index.html'))) {
    throw new Error(`CONSOLE is on but the console is not built (${built}/index.html is missing): run npm run build`);
  }
  return built;
}
