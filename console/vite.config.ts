import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by the broker at /console from dist/console (src/console/serve-console.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Always React's production build, even when built from a test run (NODE_ENV=test).
  mode: 'production',
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  // React's automatic JSX runtime, compiled by Vite's own transformer (no plugin needed).
  oxc: { jsx: { runtime: 'automatic', development: false } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The strict Content-Security-Policy allows no inline script: no preload polyfill snippet.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      // React Server Components' "use client" markers mean nothing in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
