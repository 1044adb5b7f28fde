import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the sources so Nest's decorator metadata (emitDecoratorMetadata) is emitted.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
