// npm run bench:ingest — ingests N 1024×768 JPEGs (default 500) in the built app in headless
// Chromium, dropped as one folder through the app's real drop handler, and prints images per
// second, peak JS heap of the page and of the worker, and the longest main-thread task while the
// images come in (it should stay under 100 ms). The JPEGs are made in the page before timing
// starts, so no test-harness file transfer lands in the measured window.
// Writes bench/out/ingest.json. Usage: npm run bench:ingest -- [--count N]

import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { preview } from 'vite';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('--count', 500);
const LONG_TASK_LIMIT_MS = 100;
const PORT = 4179;

function chromiumPath() {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return p;
}

/** In the page: n distinct 1024×768 JPEG Files (colour fields, shapes and noise). */
async function makeFiles(n) {
  const files = [];
  const canvas = new OffscreenCanvas(1024, 768);
  const ctx = canvas.getContext('2d');
  const noise = ctx.createImageData(1024, 768);
  for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i * 2654435761) >>> 24;
  for (let k = 0; k < n; k++) {
    ctx.putImageData(noise, 0, 0);
    ctx.globalAlpha = 0.7;
    for (let s = 0; s < 12; s++) {
      ctx.fillStyle = `hsl(${(k * 37 + s * 53) % 360} 70% ${30 + ((k + s) % 5) * 10}%)`;
      ctx.fillRect((k * 97 + s * 131) % 900, (k * 61 + s * 89) % 650, 60 + ((k + s * 7) % 300), 40 + ((k * 3 + s) % 200));
    }
    ctx.globalAlpha = 1;
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.88 });
    files.push(new File([blob], `img_${String(k).padStart(4, '0')}.jpg`, { type: 'image/jpeg' }));
  }
  window.__benchFiles = files;
  return files.reduce((a, f) => a + f.size, 0);
}

/** In the page: drop window.__benchFiles as a folder "bench" on the studio's drop zone. */
function dropFiles() {
  const files = window.__benchFiles;
  const entries = files.map((file) => ({
    isFile: true, isDirectory: false, name: file.name, fullPath: `/bench/${file.name}`,
    file: (ok) => ok(file),
  }));
  const folder = {
    isFile: false, isDirectory: true, name: 'bench', fullPath: '/bench',
    createReader: () => {
      let offset = 0;
      // Chromium hands out directory entries 100 at a time.
      return { readEntries: (ok) => setTimeout(() => ok(entries.slice(offset, (offset += 100))), 0) };
    },
  };
  const dataTransfer = { items: [{ kind: 'file', webkitGetAsEntry: () => folder, getAsFile: () => null }], files: [], types: ['Files'] };
  const target = document.querySelector('[data-testid="drop-zone"]');
  for (const type of ['dragover', 'drop']) {
    const event = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
    target.dispatchEvent(event);
  }
}

/**
 * Reads the training worker's JS heap over the browser's DevTools protocol (workers have no
 * performance.memory, and Playwright opens no CDP session on a worker).
 */
async function workerHeapReader(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const worker = targetInfos.find((t) => t.type === 'worker');
  if (!worker) return async () => 0;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
  let nextId = 1;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    waiting.get(m.id)?.(m.result?.usedSize ?? 0);
    waiting.delete(m.id);
  });
  return () =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve(0));
    });
}

async function main() {
  if (!existsSync('dist/index.html')) spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const server = await preview({ preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`http://127.0.0.1:${PORT}/?demo=0&backend=cpu`);
    await page.getByTestId('image-count').filter({ hasText: /^0 images$/ }).waitFor();
    const bytes = await page.evaluate(makeFiles, count);
    const workerHeap = await workerHeapReader(browser);
    let peakPage = 0;
    let peakWorker = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakPage = Math.max(peakPage, await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0));
        peakWorker = Math.max(peakWorker, await workerHeap());
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await page.evaluate(() => { window.__longTasks = []; });
    const t0 = Date.now();
    await page.evaluate(dropFiles);
    const summary = page.getByTestId('ingest-summary');
    await summary.waitFor({ timeout: 30 * 60_000 });
    const wallSeconds = (Date.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const text = await summary.innerText();
    const m = /^(\d+) added, (\d+) skipped.* in ([\d.]+) s/.exec(text);
    if (!m) throw new Error(`unexpected summary "${text}"`);
    const [added, skipped, workerSeconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const longTasks = await page.evaluate(() => window.__longTasks);
    const longest = Math.max(0, ...longTasks);
    const result = {
      images: count, megabytes: bytes / 1e6, added, skipped, workerSeconds, wallSeconds,
      imagesPerSecond: added / workerSeconds,
      peakPageHeapMiB: peakPage / 2 ** 20, peakWorkerHeapMiB: peakWorker / 2 ** 20,
      longTasks: longTasks.length, longestTaskMs: longest,
    };
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/ingest.json', JSON.stringify(result, null, 2));
    console.log(`ingest of ${count} 1024×768 JPEGs (${result.megabytes.toFixed(0)} MB), cached at short side 320:`);
    console.log(`  added ${added}, skipped ${skipped}`);
    console.log(`  ${result.imagesPerSecond.toFixed(1)} images/s (worker ${workerSeconds.toFixed(1)} s, wall ${wallSeconds.toFixed(1)} s)`);
    console.log(`  peak JS heap: page ${result.peakPageHeapMiB.toFixed(1)} MiB, worker ${result.peakWorkerHeapMiB.toFixed(1)} MiB`);
    console.log(`  main-thread long tasks (> 50 ms): ${longTasks.length}, longest ${longest.toFixed(0)} ms (limit ${LONG_TASK_LIMIT_MS} ms)`);
    if (longest >= LONG_TASK_LIMIT_MS || added !== count) process.exitCode = 1;
  } finally {
    await browser.close();
    await new Promise((r) => server.httpServer.close(r));
  }
}

await main();
