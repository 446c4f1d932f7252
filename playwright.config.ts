import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/browser';
import { APP_ORIGIN, E2E_PORT } from './e2e/origin';

// e2e runs against the production build served by `vite preview`: what a person gets.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: APP_ORIGIN,
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1280, height: 800 },
    trace: 'off',
  },
  webServer: {
    command: `npx vite build --logLevel warn && npx vite preview --port ${E2E_PORT} --strictPort`,
    url: APP_ORIGIN,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
  },
});
