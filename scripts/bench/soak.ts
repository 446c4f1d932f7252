// npm run bench:soak — the soak of e2e/soak.spec.ts, longer: the studio (its production build,
// served on its own port, built outside dist/) trains the tiny preset on wasm for --steps
// steps (1000 by default) with checkpoints on the preset's schedule and a pinned image, and prints
// the growth per 100 steps after --burn-in steps of the worker's tensors, their bytes and the JS
// heaps of the worker and the page (read after a full collection). Writes bench/out/soak.json,
// samples included, so a slow growth can be looked at step by step.
// Usage: npm run bench:soak -- [--steps 1000] [--batch 2] [--burn-in 50 (at most steps/4)] [--images 3]

import { chromium } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preview } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../../e2e/browser';
import { describeGrowth, memoryGrowth } from './memoryGrowth';
import { copyDemoImages, soakRun } from './soakRun';

const option = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: expected a whole number, got ${process.argv[i + 1]}`);
  return value;
};
const steps = option('--steps', 1000);
const batch = option('--batch', 2);
// `npm run bench -- --steps 40` hands --steps to every bench: the burn-in shrinks with it.
const burnIn = option('--burn-in', Math.min(50, Math.floor(steps / 4)));
const images = option('--images', 3);
const PORT = 4180;
/** The training bench's build folder too: `npm run bench` runs them one after the other. */
const DIST = 'bench/studio-dist';
const DIR = join('bench', 'out', 'soak-images');

async function main(): Promise<void> {
  if (burnIn >= steps) throw new Error(`--burn-in (${burnIn}) must be below --steps (${steps})`);
  copyDemoImages(DIR, images);
  // Its own build folder: dist/ belongs to the e2e suite and the runner, which may be building it.
  const build = spawnSync('npx', ['vite', 'build', '--outDir', DIST, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the studio did not build');
  const server = await preview({ build: { outDir: DIST }, preview: { port: PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && process.stderr.write(`studio console: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`studio error: ${e.message}\n`));
    process.stderr.write(`the studio trains ${steps} tiny steps of ${batch} images on wasm…\n`);
    const run = await soakRun(page, `http://127.0.0.1:${PORT}`, DIR, steps, batch);
    const growth = memoryGrowth(run.tensors, run.heaps, burnIn);
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/soak.json', JSON.stringify({ steps, batch, burnIn, images, growth, run }, null, 2));
    console.log(`soak: tiny on wasm, ${images} images, batch ${batch}, ${steps} steps in ${run.trainSeconds.toFixed(0)} s (trainer ${run.meanStepMs.toFixed(0)} ms/step)`);
    for (const line of describeGrowth(growth)) console.log(line);
    const flat = (s: { min: number; max: number } | null) => s === null || s.max === s.min;
    if (!flat(growth.tensors) || !flat(growth.bytes) || !flat(growth.backend)) process.exitCode = 1;
  } finally {
    await browser.close();
    await new Promise((r) => server.httpServer.close(r));
  }
}

await main();
