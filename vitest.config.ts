import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Tests that start a broker on a database; CI runs this lane once per database (.ci/run).
const E2E = ['test/e2e/**/*.test.ts'];

// SWC compiles the sources so Nest's decorator metadata (emitDecoratorMetadata) is emitted.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    // Node loads graphql's CommonJS build (its "main"); Vite would pick the .mjs "module" build,
    // giving two graphql instances in one process. Resolve as Node does.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: process.env.TEST_WORKERS ?? 2,
    projects: [
      {
        extends: true,
        test: {
          // Unit specs, the emulator, contracts, the client, deploy and shared state need no database; dev
          // mode (always SQLite), the CLI's tests and the console's browser tests drive a dev-mode broker,
          // once per run rather than once per database lane.
          name: 'unit',
          include: ['src/**/*.spec.ts', 'test/**/*.test.ts', 'clients/cli/test/**/*.test.ts'],
          exclude: E2E,
          // Lanes with different parallelism run one after the other: unit first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: E2E,
          // Migrates one template database and compiles the child-process broker, once per run.
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: process.env.TEST_E2E_PARALLEL === '1',
          sequence: { groupOrder: 1 },
          isolate: false,
        },
      },
    ],
  },
});
