// npm run bench:training — one DETR training step on every backend (webgpu, webgl, wasm, cpu) and
// preset (tiny, laptop) in one browser session: ms per step, the matching and host shares,
// efficiency (the step's FLOPs/s over a large matmul's on the same backend, DESIGN §7), the kernels
// one step launches and, on WebGPU, the share of a profiled step outside GPU work, tensors and
// bytes after the first and the last step. Each cell runs in a fresh worker of the bench page
// (scripts/bench/page, the app's own backend selection, encoder and trainer) on a synthetic batch,
// until --steps or the --budget seconds run out. Then the studio itself (its production build)
// trains the tiny preset on 6 demo images on wasm while a longtask observer records the longest
// main-thread task: the UI's smoothness while training. Writes bench/out/training.json.
// Usage: npm run bench:training -- [--backends webgpu,webgl,wasm,cpu] [--presets tiny,laptop]
//          [--steps 50] [--budget 120] [--batch 2]

import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preview } from 'vite';

const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const backends = option('--backends', 'webgpu,webgl,wasm,cpu').split(',');
const presets = option('--presets', 'tiny,laptop').split(',');
const steps = Number(option('--steps', '50'));
const budgetMs = Number(option('--budget', '120')) * 1000;
const batch = Number(option('--batch', '2'));
const PORT = 4179;
const CONFIG = 'scripts/bench/vite.bench.config.ts';
const STUDIO_DIST = 'bench/studio-dist';

function chromiumPath() {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return p;
}

const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

function printTable(rows) {
  console.log(`training step, batch ${batch}, synthetic images and 10 targets per image:`);
  console.log('preset  backend  ms/step  steps  match  host   GFLOP/step  GFLOP/s  matmul GFLOP/s  efficiency  kernels  off-GPU  tensors 1→N     MiB 1→N (peak)');
  for (const r of rows) {
    if (!r.ok) {
      console.log(`${r.preset.padEnd(7)} ${r.backend.padEnd(8)} failed: ${r.message}`);
      continue;
    }
    console.log(
      `${r.preset.padEnd(7)} ${r.backend.padEnd(8)} ${fmt(r.msPerStep, 0).padStart(7)} ${String(r.timedSteps).padStart(6)} ` +
        `${fmt(r.matchShare).padStart(6)} ${fmt(r.hostShare).padStart(5)} ${fmt(r.stepGflops).padStart(11)} ${fmt(r.stepGflopsPerSecond).padStart(8)} ` +
        `${fmt(r.matmulGflopsPerSecond).padStart(15)} ${fmt(r.efficiency, 3).padStart(11)} ${String(r.kernelsPerStep).padStart(8)} ${fmt(r.outsideGpuShare).padStart(8)}  ` +
        `${`${r.tensorsAfterFirst}→${r.tensorsAfterLast} (${r.stepsAtLast})`.padEnd(15)} ` +
        `${mib(r.bytesAfterFirst)}→${mib(r.bytesAfterLast)} (${mib(r.peakBytes)})`,
    );
  }
}

/** The studio trains (tiny, wasm, 6 demo images, 2 rounds of 10 steps); the longest main-thread task meanwhile. */
async function studioLongestTask(browser) {
  const dir = join('bench', 'out', 'six-demo-images');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, 6)) cpSync(join('public/demo/images', name), join(dir, name));
  // Its own build folder: dist/ belongs to the e2e suite and the runner, which may be building it.
  const build = spawnSync('npx', ['vite', 'build', '--outDir', STUDIO_DIST, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the studio did not build');
  const server = await preview({ build: { outDir: STUDIO_DIST }, preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    page.on('console', (m) => m.type() === 'error' && process.stderr.write(`studio console: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`studio error: ${e.message}\n`));
    await page.addInitScript(() => {
      window.longestTask = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longestTask = Math.max(window.longestTask, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`http://127.0.0.1:${PORT}/?backend=wasm&demo=0&cacheSize=128`);
    await page.getByTestId('folder-input').setInputFiles(dir);
    await page.getByTestId('ingest-summary').waitFor({ timeout: 120_000 }).catch(async (err) => {
      await page.screenshot({ path: 'bench/out/studio-failure.png' });
      throw err;
    });
    const proposals = page.getByTestId('proposal-config');
    await proposals.getByLabel(/granularities/i).fill('2,3');
    await proposals.getByLabel(/pseudo-classes K/i).fill('4');
    await page.getByRole('button', { name: 'Run proposals' }).click();
    await page.getByTestId('proposal-summary').waitFor();
    const form = page.getByTestId('training-config');
    await form.getByLabel('Preset').selectOption('tiny');
    await form.getByLabel('Steps per round').fill('10');
    await form.getByLabel('Self-training rounds').fill('1');
    await form.getByLabel('Batch size').fill('2');
    await page.locator('.thumb').first().click();
    await page.getByRole('button', { name: 'Pin for live predictions' }).click();
    await page.evaluate(() => (window.longestTask = 0));
    const started = Date.now();
    await page.getByRole('button', { name: 'Start pretraining' }).click();
    await page.locator('[data-testid="training-status"][data-status="done"]').waitFor();
    return { backend: 'wasm', preset: 'tiny', steps: 20, seconds: (Date.now() - started) / 1000, longestTaskMs: await page.evaluate(() => window.longestTask) };
  } finally {
    await new Promise((r) => server.httpServer.close(r));
  }
}

async function main() {
  const build = spawnSync('npx', ['vite', 'build', '--config', CONFIG, '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the bench page did not build');
  const server = await preview({ configFile: CONFIG, preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const rows = [];
  let studio = null;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(0);
    await page.goto(`http://127.0.0.1:${PORT}/scripts/bench/page/index.html`);
    await page.locator('body[data-ready="true"]').waitFor();
    for (const preset of presets) {
      for (const backend of backends) {
        process.stderr.write(`${preset} on ${backend}…\n`);
        const reply = await page.evaluate((req) => window.trainBench(req), { backend, preset, batch, steps, budgetMs });
        const row = reply.ok ? { ok: true, ...reply.result } : { ok: false, backend, preset, message: reply.message };
        if (row.ok && row.activeBackend !== backend) Object.assign(row, { ok: false, message: `${backend} did not start (ran on ${row.activeBackend})` });
        rows.push(row);
      }
    }
    await new Promise((r) => server.httpServer.close(r));
    process.stderr.write('the studio training on wasm, watching the main thread…\n');
    studio = await studioLongestTask(browser);
  } finally {
    await browser.close();
    server.httpServer.close();
  }
  mkdirSync('bench/out', { recursive: true });
  writeFileSync('bench/out/training.json', JSON.stringify({ batch, steps, budgetMs, rows, studio }, null, 2));
  printTable(rows);
  // The longtask observer reports tasks of 50 ms and more only: 0 means none reached 50 ms.
  const longest = studio.longestTaskMs === 0 ? 'under 50 ms (no long task)' : `${studio.longestTaskMs.toFixed(0)} ms`;
  console.log(`studio UI while training (tiny, wasm, ${studio.steps} steps in ${studio.seconds.toFixed(0)} s): longest main-thread task ${longest}`);
  const byKey = new Map(rows.filter((r) => r.ok).map((r) => [`${r.preset}/${r.backend}`, r]));
  for (const preset of presets) {
    const base = byKey.get(`${preset}/cpu`);
    const others = backends.filter((b) => b !== 'cpu' && byKey.has(`${preset}/${b}`));
    if (base && others.length > 0) {
      console.log(`${preset}: speed over cpu — ${others.map((b) => `${b} ${(base.msPerStep / byKey.get(`${preset}/${b}`).msPerStep).toFixed(2)}×`).join(', ')}`);
    }
  }
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
