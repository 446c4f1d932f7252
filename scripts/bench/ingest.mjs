// npm run bench:ingest — ingests N generated 1024×768 JPEGs (default 500) through the folder
// picker of the built app in headless Chromium, and prints images per second, peak JS heap (page
// and worker) and the longest main-thread task while images come in (it should stay < 100 ms).
// Writes bench/out/ingest.json. Usage: npm run bench:ingest -- [--count N]

import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { preview } from 'vite';

const count = Number(process.argv[process.argv.indexOf('--count') + 1]) || 500;
const LONG_TASK_LIMIT_MS = 100;

async function makeImages(n) {
  const dir = join(tmpdir(), `simdetr-bench-ingest-${n}`);
  if (existsSync(dir) && readdirSync(dir).length === n) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    // Smooth colour fields plus noise: JPEG sizes like camera photos, and every file distinct.
    const noise = await sharp({ create: { width: 256, height: 192, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).raw().toBuffer();
    const tint = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp(noise, { raw: { width: 256, height: 192, channels: 3 } })
      .resize(1024, 768, { kernel: 'cubic' })
      .tint(tint)
      .jpeg({ quality: 88 })
      .toFile(join(dir, `img_${String(i).padStart(4, '0')}.jpg`));
  }
  return dir;
}

function chromiumPath() {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return p;
}

async function main() {
  if (!existsSync('dist/index.html')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const dir = await makeImages(count);
  const server = await preview({ preview: { port: 4179, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const w = /** @type {any} */ (window);
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto('http://127.0.0.1:4179/?demo=0&backend=cpu');
    await page.getByTestId('image-count').filter({ hasText: /images?$/ }).waitFor();
    if (!(await page.getByTestId('image-count').innerText()).startsWith('0 ')) {
      page.once('dialog', (d) => d.accept());
      await page.getByRole('button', { name: 'Clear dataset' }).click();
      await page.getByTestId('image-count').filter({ hasText: /^0 images$/ }).waitFor();
    }
    await page.evaluate(() => { /** @type {any} */ (window).__longTasks = []; });
    let peakPage = 0;
    let peakWorker = 0;
    const sampler = setInterval(async () => {
      try {
        peakPage = Math.max(peakPage, await page.evaluate(() => /** @type {any} */ (performance).memory?.usedJSHeapSize ?? 0));
        for (const w of page.workers()) peakWorker = Math.max(peakWorker, await w.evaluate(() => /** @type {any} */ (performance).memory?.usedJSHeapSize ?? 0));
      } catch { /* the page may be busy; the next sample catches up */ }
    }, 200);
    const t0 = Date.now();
    await page.getByTestId('folder-input').setInputFiles(dir);
    const summary = page.getByTestId('ingest-summary');
    await summary.waitFor({ timeout: 30 * 60_000 });
    const wallSeconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const text = await summary.innerText();
    const m = /^(\d+) added, (\d+) skipped.* in ([\d.]+) s/.exec(text);
    if (!m) throw new Error(`unexpected summary "${text}"`);
    const [added, skipped, workerSeconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const longTasks = await page.evaluate(() => /** @type {any} */ (window).__longTasks);
    const longest = Math.max(0, ...longTasks);
    const result = {
      images: count, added, skipped, workerSeconds, wallSeconds,
      imagesPerSecond: added / workerSeconds,
      peakPageHeapMiB: peakPage / 2 ** 20, peakWorkerHeapMiB: peakWorker / 2 ** 20,
      longTasks: longTasks.length, longestTaskMs: longest,
    };
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/ingest.json', JSON.stringify(result, null, 2));
    console.log(`ingest of ${count} 1024×768 JPEGs (cached at short side 320):`);
    console.log(`  added ${added}, skipped ${skipped}`);
    console.log(`  ${result.imagesPerSecond.toFixed(1)} images/s (worker time ${workerSeconds.toFixed(1)} s, wall ${wallSeconds.toFixed(1)} s incl. file transfer)`);
    console.log(`  peak JS heap: page ${result.peakPageHeapMiB.toFixed(1)} MiB, worker ${result.peakWorkerHeapMiB.toFixed(1)} MiB`);
    console.log(`  main-thread long tasks: ${longTasks.length}, longest ${longest.toFixed(0)} ms (limit ${LONG_TASK_LIMIT_MS} ms)`);
    if (longest >= LONG_TASK_LIMIT_MS || added !== count) process.exitCode = 1;
  } finally {
    await browser.close();
    await new Promise((r) => server.httpServer.close(r));
  }
}

await main();
