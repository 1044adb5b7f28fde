/**
 * `npm run dev`: the broker with everything embedded, as Vault's `-dev` server. SQLite in ./data,
 * the bundled Kubernetes API emulator on loopback when no kubeconfig is found, a generated
 * key-encryption key and signing secret kept in ./data, a printed admin token and a token for
 * alice (no grants until the tour gives her one), and the README's tour.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import jwt from 'jsonwebtoken';
import { exitGracefullyOnSignal } from '../common/http/graceful-shutdown.js';
import { createApp } from '../app.factory.js';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { KubernetesEmulator } from '../emulator/index.js';
import { DEV_TOUR } from './dev-tour.js';

const DATA_DIR = resolve(process.env.BROKER_DATA_DIR ?? 'data');
const ADMIN_SUBJECT = 'dev-admin';
// The README tour's limited caller: whatever the tour grants her, nothing more.
const LIMITED_SUBJECT = 'alice';
// Long enough for the tour and an afternoon of trying things.
const TOKEN_LIFETIME = '12h';
// The namespace the README tour works in.
const DEV_NAMESPACE = 'team-a';

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const signingSecret = process.env.JWT_HS256_SECRET ?? persistentSecret('dev-jwt-secret', 48);
  const encryptionKeyFile = process.env.ENCRYPTION_KEY_FILE ?? join(DATA_DIR, 'encryption.key');
  if (!process.env.ENCRYPTION_KEY && !existsSync(encryptionKeyFile)) {
    writeFileSync(encryptionKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  const { kubeconfig, emulator } = await kubeconfigForDev();

  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(DATA_DIR, 'broker.sqlite')}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    AUDIT_CHECKPOINT_FILE: join(DATA_DIR, 'audit-checkpoint.json'),
    API_DOCS: 'true',
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
    url: `http://${config.host}:${config.port}`,
    adminToken: tokenFor(ADMIN_SUBJECT),
    limitedToken: tokenFor(LIMITED_SUBJECT),
    kubeconfig,
    emulated: emulator !== undefined,
  });
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
  const kubeconfig = join(DATA_DIR, 'emulator-kubeconfig.json');
  await emulator.writeKubeconfig(kubeconfig);
  return { kubeconfig, emulator };
}

interface BannerFacts {
  readonly url: string;
  readonly adminToken: string;
  readonly limitedToken: string;
  readonly kubeconfig: string;
  readonly emulated: boolean;
}

function printBanner({ url, adminToken, limitedToken, kubeconfig, emulated }: BannerFacts): void {
  console.log(`
secrets-broker is running in dev mode (not for production)

  API:         ${url}  (REST under /v1, GraphQL at /graphql)
  Database:    SQLite in ${DATA_DIR}
  Kubernetes:  ${emulated ? `bundled emulator, kubeconfig ${kubeconfig}` : kubeconfig}
  Admin:       user:${ADMIN_SUBJECT} (admin on every namespace)
  Limited:     user:${LIMITED_SUBJECT} (no grants until the tour gives her one)
  Tokens:      signed with the dev signing secret in ${DATA_DIR}, valid ${TOKEN_LIFETIME}

export B=${url}
export BROKER_TOKEN='${adminToken}'
export ALICE_TOKEN='${limitedToken}'

The tour (README.md, "API tour"), to paste after the three lines above:

${DEV_TOUR.join('\n\n')}
`);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : `secrets-broker dev failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
