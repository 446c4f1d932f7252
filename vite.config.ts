import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Content-Security-Policy of the built app: it loads and talks to nothing but its own origin.
// - script-src: our own bundles only, no eval and no inline script; 'wasm-unsafe-eval' lets the
//   tfjs WebAssembly backend compile its .wasm files, which are assets of this origin.
// - worker-src 'self': the training worker is a bundled file. tfjs-wasm would start blob: workers
//   only for threads, which need cross-origin isolation that the studio does not ask for.
// - connect-src 'self': the worker fetches the encoder weights, the demo images and the .wasm.
// - img-src blob: data:: thumbnails and previews are object URLs, the favicon is a data: URL.
// - style-src 'self': the CSS is one bundled file; React sets `style` props through the CSSOM,
//   which CSP does not govern, so no 'unsafe-inline' is needed.
const POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'blob:', 'data:'],
  'style-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

// The dev server injects an inline React Refresh preamble and the CSS as <style> elements: it gets
// the same policy with those two holes, so that a remote request still fails in development as it
// does in production. HMR's WebSocket is same-origin, which connect-src 'self' covers.
const DEV_POLICY: Record<string, string[]> = {
  ...POLICY,
  'script-src': [...(POLICY['script-src'] ?? []), "'unsafe-inline'"],
  'style-src': [...(POLICY['style-src'] ?? []), "'unsafe-inline'"],
};

const serialise = (policy: Record<string, string[]>): string =>
  Object.entries(policy).map(([directive, sources]) => [directive, ...sources].join(' ')).join('; ');

/**
 * The policy as a <meta> in the built index.html, for static hosts that cannot set headers. A
 * meta policy cannot carry frame-ancestors (Chromium logs an error) and does not reach the
 * worker, which takes its policy from its own response headers: the header below does both.
 */
function cspMeta(): Plugin {
  const inMeta = Object.fromEntries(Object.entries(POLICY).filter(([directive]) => directive !== 'frame-ancestors'));
  return {
    name: 'simdetr-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: serialise(inMeta) }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  plugins: [react(), cspMeta()],
  worker: { format: 'es' },
  // The worker pulls tfjs on first use; pre-bundling it avoids a mid-session reload on a cold cache.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'fflate', 'idb', 'react', 'react-dom', 'zustand'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: { 'Content-Security-Policy': serialise(DEV_POLICY) } },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: { 'Content-Security-Policy': serialise(POLICY) } },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
