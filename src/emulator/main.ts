import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubernetesEmulator } from './emulator.js';

/** `npm run emulator -- --port 0 --kubeconfig-out <file> [--state-dir <dir>]`: serves until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'http-port': { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'kubeconfig-out': { type: 'string' },
      'state-dir': { type: 'string' },
    },
  });
  const out = values['kubeconfig-out'];
  if (!out) throw new Error('--kubeconfig-out <file> is required');
  const port = Number(values.port);
  const httpPort = Number(values['http-port']);
  if (!Number.isInteger(port) || port < 0 || !Number.isInteger(httpPort) || httpPort < 0)
    throw new Error('--port and --http-port must be non-negative integers');
  const stateDir = values['state-dir'] === undefined ? undefined : resolve(values['state-dir']);
  const emulator = await KubernetesEmulator.start({ port, httpPort, host: values.host, stateDir });
  const kubeconfig = resolve(out);
  await emulator.writeKubeconfig(kubeconfig);
  process.stdout.write(`${JSON.stringify({ port: emulator.port, kubeconfig })}\n`);
  const shutdown = (): void => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
