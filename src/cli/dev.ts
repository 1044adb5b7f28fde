/**
 * `npm run dev`: the broker with everything embedded, as Vault's `-dev` server. SQLite in ./data,
 * the bundled Kubernetes API emulator on loopback when no kubeconfig is found, a generated
 * key-encryption key and signing secret kept in ./data, a printed admin token, a token for
 * alice (no grants until the tour gives her one) and one for bob (the tour's second approver),
 * and the README's tour. ServiceAccount tokens are accepted (TokenReview), so a leased token works
 * against the broker as the README shows. `--reset` empties the data folder first. A second start
 * on the same data folder or port is refused before any file is touched.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { exitGracefullyOnSignal } from '../common/http/graceful-shutdown.js';
import { createApp } from '../app.factory.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { KubernetesEmulator } from '../emulator/index.js';
import { claimDataDir, reasonNotToStart } from './dev-instance.js';
import { DEV_LEASE_ACCOUNT, DEV_TOUR } from './dev-tour.js';

const DATA_DIR = resolve(process.env.BROKER_DATA_DIR ?? 'data');
const ADMIN_SUBJECT = 'dev-admin';
// The README tour's limited caller: whatever the tour grants her, nothing more.
const LIMITED_SUBJECT = 'alice';
// The second approver of the tour's temporary access (the admin is the first).
const APPROVER_SUBJECT = 'bob';
// Long enough for the tour and an afternoon of trying things.
const TOKEN_LIFETIME = '12h';
// The namespace the README tour works in.
const DEV_NAMESPACE = 'team-a';
const DEV_HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
const USAGE = 'usage: npm run dev [-- --reset]   (--reset: start from an empty data folder)';

/** Refusals that are the user's to fix: printed as they are, without a stack. */
class DevRefusal extends Error {}

async function main(): Promise<void> {
  const reset = resetRequested(process.argv.slice(2));
  const refusal = await reasonNotToStart(DATA_DIR, process.env.HOST ?? DEV_HOST, portToProbe());
  if (refusal) throw new DevRefusal(refusal);
  if (reset) rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  claimDataDir(DATA_DIR);
  const signingSecret = process.env.JWT_HS256_SECRET ?? persistentSecret('dev-jwt-secret', 48);
  const encryptionKeyFile = process.env.ENCRYPTION_KEY_FILE ?? join(DATA_DIR, 'encryption.key');
  if (!process.env.ENCRYPTION_KEY && !existsSync(encryptionKeyFile)) {
    writeFileSync(encryptionKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  const { kubeconfig, emulator } = await kubeconfigForDev();

  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(DATA_DIR, 'broker.sqlite')}`,
    HOST: DEV_HOST,
    LOG_LEVEL: 'warn',
    // A leased ServiceAccount token works against the dev broker (README, "Leases").
    KUBERNETES_TOKEN_REVIEW: 'true',
    AUDIT_CHECKPOINT_FILE: join(DATA_DIR, 'audit-checkpoint.json'),
    API_DOCS: 'true',
    CONSOLE: 'true',
    ...process.env,
    // The only place development behaviour is chosen: everything else runs as production.
    NODE_ENV: 'development',
    BROKER_DEV_MODE: 'true',
    JWT_HS256_SECRET: signingSecret,
    ...(process.env.ENCRYPTION_KEY ? {} : { ENCRYPTION_KEY_FILE: encryptionKeyFile }),
    KUBECONFIG: kubeconfig,
    BOOTSTRAP_ADMINS: [process.env.BOOTSTRAP_ADMINS, `user:${ADMIN_SUBJECT}`].filter(Boolean).join(','),
  });
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  exitGracefullyOnSignal(app, config.shutdownGraceSeconds, logger, async () => {
    await emulator?.stop();
  });
  await app.listen(config.port, config.host);

  const tokenFor = (subject: string) =>
    jwt.sign({ sub: subject }, signingSecret, { algorithm: 'HS256', expiresIn: TOKEN_LIFETIME });
  printBanner({
    url: `${config.tls ? 'https' : 'http'}://${config.host}:${config.port}`,
    apiDocs: config.apiDocs,
    adminToken: tokenFor(ADMIN_SUBJECT),
    limitedToken: tokenFor(LIMITED_SUBJECT),
    approverToken: tokenFor(APPROVER_SUBJECT),
    kubeconfig,
    emulated: emulator !== undefined,
    console: config.console !== undefined,
  });
}

function resetRequested(args: readonly string[]): boolean {
  const unknown = args.filter((arg) => arg !== '--reset');
  if (unknown.length > 0) throw new DevRefusal(`unknown argument ${unknown[0]}\n${USAGE}`);
  return args.includes('--reset');
}

/** The port the broker will ask for; a bad PORT is left for the configuration to name. */
function portToProbe(): number {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_PORT;
}

function persistentSecret(file: string, bytes: number): string {
  const path = join(DATA_DIR, file);
  if (!existsSync(path)) writeFileSync(path, randomBytes(bytes).toString('base64url'), { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

/** A kubeconfig from the environment or ~/.kube/config; otherwise the emulator's. */
async function kubeconfigForDev(): Promise<{ kubeconfig: string; emulator?: KubernetesEmulator }> {
  const configured = process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
  if (existsSync(configured)) return { kubeconfig: configured };
  // Its objects live in ./data beside the database, so a restart keeps the two in step.
  const emulator = await KubernetesEmulator.start({ host: '127.0.0.1', stateDir: join(DATA_DIR, 'emulator') });
  emulator.ensureNamespace(DEV_NAMESPACE);
  emulator.ensureServiceAccount(DEV_NAMESPACE, DEV_LEASE_ACCOUNT);
  const kubeconfig = join(DATA_DIR, 'emulator-kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  return { kubeconfig, emulator };
}

interface BannerFacts {
  readonly url: string;
  readonly apiDocs: boolean;
  readonly adminToken: string;
  readonly limitedToken: string;
  readonly approverToken: string;
  readonly kubeconfig: string;
  readonly emulated: boolean;
  readonly console: boolean;
}

function printBanner(facts: BannerFacts): void {
  const { url, apiDocs, adminToken, limitedToken, approverToken, kubeconfig, emulated } = facts;
  // The token rides in the fragment, which browsers never send to a server (nor to its logs).
  const consoleLinks = facts.console
    ? `
Web console (open a link; the console drops the token from the address bar at once):
  as user:${ADMIN_SUBJECT}: ${url}/console/#token=${adminToken}
  as user:${LIMITED_SUBJECT}:     ${url}/console/#token=${limitedToken}
  as user:${APPROVER_SUBJECT}:       ${url}/console/#token=${approverToken}
`
    : '';
  const docs = apiDocs ? `\n  Docs:        ${url}/docs  (Swagger UI; the OpenAPI document at ${url}/openapi.json)` : '';
  console.log(`
secrets-broker is running in dev mode (not for production)

  API:         ${url}  (REST under /v1, GraphQL at /graphql)${docs}
  Database:    SQLite in ${DATA_DIR}
  Kubernetes:  ${emulated ? `bundled emulator, kubeconfig ${kubeconfig}, ServiceAccount ${DEV_NAMESPACE}/${DEV_LEASE_ACCOUNT} to lease` : kubeconfig}
  Admin:       user:${ADMIN_SUBJECT} (admin on every namespace)
  Limited:     user:${LIMITED_SUBJECT} (no grants until the tour gives her one)
  Approver:    user:${APPROVER_SUBJECT} (may approve in ${DEV_NAMESPACE} once the tour gives him approve)
  Tokens:      signed with the dev signing secret in ${DATA_DIR}, valid ${TOKEN_LIFETIME}
  Start fresh: npm run dev -- --reset  (empties ${DATA_DIR})
${consoleLinks}
export B=${url}
export BROKER_TOKEN='${adminToken}'
export ALICE_TOKEN='${limitedToken}'
export BOB_TOKEN='${approverToken}'

The tour (README.md, "API tour"), to paste after the four lines above:

${DEV_TOUR.join('\n\n')}
`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof DevRefusal
      ? error.message
      : `secrets-broker dev failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
