// The studio for one session of a run: built, served on the run's port, opened in headless Chromium
// with ?runner=1 on the run's profile, with the page's progress reports wired to the Session and
// its errors to browser.log. What is open is kept in `held`, so a failure anywhere closes it all.

import { appendFileSync, writeFileSync } from 'node:fs';
import type { PreviewServer } from 'vite';
import type { RunnerOpened, RunnerReport } from '../../src/runner/types';
import { builtApp, hasGpu, openBrowser, serve, type Browser } from './app';
import { OUTPUT_FILES, outPath } from './outputs';
import type { Progress } from './progress';
import type { RunLog } from './record';
import { Session } from './session';

export interface Held {
  server: PreviewServer | null;
  browser: Browser | null;
  session: Session | null;
}

export async function openStudio(log: RunLog, executable: string | null, progress: Progress, held: Held): Promise<{ session: Session; opened: RunnerOpened }> {
  const { record } = log;
  const plan = record.plan;
  progress.start('building the studio');
  const dist = await builtApp();
  log.addTime('build', progress.end());
  progress.start(`starting Chromium on http://127.0.0.1:${record.port}`);
  held.server = await serve(dist, record.port);
  const gpu = hasGpu();
  const browser = await openBrowser({ executable, profile: outPath(log.out, OUTPUT_FILES.profile), gpu });
  held.browser = browser;
  record.browser = { executable: browser.executable, args: browser.args };
  record.versions.chromium = browser.version;
  const session = new Session(browser.page, log, progress);
  held.session = session;
  watchPage(browser, log.out);
  await browser.page.exposeFunction('simdetrRunnerReport', (r: RunnerReport) => session.onReport(r));
  // An explicit --backend webgpu accepts a software adapter; auto does not (SwiftShader is slower than the rest).
  const params = new URLSearchParams({
    runner: '1', demo: '0', backend: plan.backend, cacheSize: String(plan.cacheSize), allowFallbackAdapter: plan.backend === 'webgpu' ? '1' : '0',
  });
  await browser.page.goto(`http://127.0.0.1:${record.port}/?${params.toString()}`);
  const opened = await session.open();
  const b = opened.backend;
  record.backend = { requested: plan.backend, used: b.backend, adapter: b.adapter, fallbackReasons: b.fallbackReasons };
  record.versions.tfjs = b.tfjsVersion;
  log.addTime('browser', progress.end(`backend ${b.backend}${gpu ? ', GPU flags on' : ''}`));
  log.save();
  return { session, opened };
}

export async function closeStudio(held: Held): Promise<void> {
  await held.browser?.context.close().catch(() => undefined);
  const server = held.server;
  if (server) await new Promise((r) => server.httpServer.close(r));
}

/** Page and worker errors go to browser.log: the studio's own messages when something breaks. */
function watchPage(browser: Browser, out: string): void {
  const path = outPath(out, OUTPUT_FILES.browserLog);
  writeFileSync(path, '');
  const write = (line: string) => appendFileSync(path, `${new Date().toISOString()} ${line}\n`);
  browser.page.on('console', (m) => m.type() === 'error' && write(`console: ${m.text()}`));
  browser.page.on('pageerror', (e) => write(`uncaught: ${e.message}`));
  browser.page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && write(`worker: ${m.text()}`)));
  browser.page.on('crash', () => write('the page crashed'));
}
