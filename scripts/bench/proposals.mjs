// npm run bench:proposals — stages 1–2 (proposals, then the dataset k-means) on the demo dataset in
// the built app, on WebGPU and on the CPU backend in one run: images and proposals per second and
// k-means seconds for each, and their ratio. Writes bench/out/proposals.json.
// Usage: npm run bench:proposals -- [--cache-size 320] [--granularities 2,3,4,6,8] [--k 64]

import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { preview } from 'vite';

const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const cacheSize = Number(option('--cache-size', '320'));
const granularities = option('--granularities', '2,3,4,6,8');
const k = option('--k', '64');
const PORT = 4178;
const BACKENDS = ['webgpu', 'cpu'];

function chromiumPath() {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return p;
}

/** In the page: the saved run's timings and sizes, from the studio's IndexedDB. */
async function readRun() {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('simdetr-studio');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const run = await new Promise((ok, fail) => {
    const r = db.transaction('proposals').objectStore('proposals').get('current');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  return { images: run.images.length, proposals: run.images.reduce((n, im) => n + im.scores.length, 0), K: run.K, timings: run.timings, seconds: run.seconds };
}

async function benchBackend(browser, backend) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/?backend=${backend}&allowFallbackAdapter=1&cacheSize=${cacheSize}`);
  await page.getByTestId('ingest-summary').waitFor({ timeout: 10 * 60_000 });
  const adapter = await page.getByTestId('backend-status').innerText();
  const form = page.getByTestId('proposal-config');
  await form.getByLabel(/granularities/i).fill(granularities);
  await form.getByLabel(/^K\b|pseudo-classes|clusters/i).first().fill(k);
  await page.getByRole('button', { name: 'Run proposals' }).click();
  await page.getByTestId('proposal-summary').waitFor({ timeout: 60 * 60_000 });
  const run = await page.evaluate(readRun);
  await context.close();
  return {
    backend, adapter: adapter.replace(/^Backend:\s*/, ''), ...run,
    imagesPerSecond: run.images / run.timings.proposals,
    proposalsPerSecond: run.proposals / run.timings.proposals,
    kmeansSeconds: run.timings.clustering,
  };
}

async function main() {
  if (!existsSync('dist/index.html')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const rows = [];
    for (const backend of BACKENDS) {
      process.stderr.write(`running stages 1–2 on ${backend}…\n`);
      rows.push(await benchBackend(browser, backend));
    }
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/proposals.json', JSON.stringify({ cacheSize, granularities, k, rows }, null, 2));
    console.log(`stages 1–2 on the demo dataset (short side ${cacheSize}, granularities ${granularities}, K ${k}):`);
    console.log('backend  images/s  proposals/s  k-means s  total s  adapter');
    for (const r of rows) {
      console.log(
        `${r.backend.padEnd(8)} ${r.imagesPerSecond.toFixed(2).padStart(8)} ${r.proposalsPerSecond.toFixed(1).padStart(12)} ` +
          `${r.kmeansSeconds.toFixed(2).padStart(10)} ${r.seconds.toFixed(1).padStart(8)}  ${r.adapter}`,
      );
    }
    const [gpu, cpu] = rows;
    if (gpu && cpu) {
      console.log(`webgpu / cpu speed: ${(gpu.proposalsPerSecond / cpu.proposalsPerSecond).toFixed(2)}× for proposals, ${(cpu.kmeansSeconds / gpu.kmeansSeconds).toFixed(2)}× for the dataset k-means`);
    }
  } finally {
    await browser.close();
    await new Promise((r) => server.httpServer.close(r));
  }
}

await main();
