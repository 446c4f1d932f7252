// The soak run shared by e2e/soak.spec.ts (a few hundred steps) and the soak bench
// (scripts/bench/soak.ts, a thousand and more): the studio, opened with ?runner=1 on wasm, ingests
// a few demo images, runs proposals and trains the tiny preset for one long round with checkpoints
// on the preset's schedule and one image pinned for live predictions. Every `trainingSteps` event
// brings the worker's tensors and their bytes; every HEAP_EVERY steps the JS heaps of the worker
// and the page are read after a full collection (heapProbe.ts). memoryGrowth turns the samples into
// growth per 100 steps after a burn-in.

import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { RunnerReport } from '../../src/runner/types';
import { pageHeap, workerHeap, type HeapReader } from './heapProbe';

/** Steps between heap readings: each costs a full collection in the worker and the page. */
const HEAP_EVERY = 10;

export interface TensorSample {
  step: number;
  numTensors: number;
  numBytes: number;
  /** The wasm heap's size, or the GPU memory the backend allocated (BackendMemory). */
  backendBytes: number | null;
}

export interface HeapSample {
  step: number;
  workerBytes: number;
  pageBytes: number;
}

export interface SoakRun {
  steps: number;
  batch: number;
  tensors: TensorSample[];
  heaps: HeapSample[];
  /** Seconds of training (start to done), without ingest and proposals. */
  trainSeconds: number;
  /** Mean of the trainer's own step times: the rest of trainSeconds is checkpoints, predictions, probes. */
  meanStepMs: number;
}

/** Copies the first `n` demo images into a fresh `dir` for the folder input. */
export function copyDemoImages(dir: string, n: number): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, n)) cpSync(join('public/demo/images', name), join(dir, name));
}

/** Trains `steps` tiny steps of `batch` images in the studio at `origin` on `dir`'s images. */
export async function soakRun(page: Page, origin: string, dir: string, steps: number, batch: number): Promise<SoakRun> {
  const browser = page.context().browser();
  if (!browser) throw new Error('the soak needs a launched browser (its protocol session reaches the worker)');
  const tensors: TensorSample[] = [];
  const heaps: HeapSample[] = [];
  let readers: { worker: HeapReader; page: HeapReader } | null = null;
  let stepMsSum = 0;
  let nextHeap = 0;
  let reading: Promise<void> = Promise.resolve();
  let heapError: unknown = null;
  await page.exposeFunction('simdetrRunnerReport', (r: RunnerReport) => {
    const last = r.kind === 'steps' ? r.steps.at(-1) : undefined;
    if (r.kind !== 'steps' || !last) return;
    tensors.push({ step: last.step, ...r.memory });
    stepMsSum += r.steps.reduce((a, s) => a + s.stepMs, 0);
    const heap = readers;
    if (heap && last.step >= nextHeap) {
      nextHeap = last.step + HEAP_EVERY;
      // One reading at a time, in step order; the first failure is thrown when the run ends.
      reading = reading
        .then(async () => {
          heaps.push({ step: last.step, workerBytes: await heap.worker.usedAfterGc(), pageBytes: await heap.page.usedAfterGc() });
        })
        .catch((err: unknown) => {
          heapError ??= err;
        });
    }
  });
  await page.goto(`${origin}/?backend=wasm&demo=0&cacheSize=128&runner=1`);
  await page.locator('[data-testid="backend-name"]', { hasText: 'wasm' }).waitFor({ timeout: 60_000 });
  readers = { worker: await workerHeap(browser, 'training.worker'), page: await pageHeap(page) };
  await page.getByTestId('folder-input').setInputFiles(dir);
  await page.getByTestId('ingest-summary').waitFor({ timeout: 90_000 });

  const proposals = page.getByTestId('proposal-config');
  await proposals.getByLabel(/granularities/i).fill('2,3');
  await proposals.getByLabel(/pseudo-classes K/i).fill('4');
  await page.getByRole('button', { name: 'Run proposals' }).click();
  await page.getByTestId('proposal-summary').waitFor({ timeout: 120_000 });

  // One long round: self-training rebuilds the targets, which is another test's concern.
  const form = page.getByTestId('training-config');
  await form.getByLabel('Preset').selectOption('tiny');
  await form.getByLabel('Steps per round').fill(String(steps));
  await form.getByLabel('Self-training rounds').fill('0');
  await form.getByLabel('Batch size').fill(String(batch));
  await page.locator('.thumb').first().click();
  await page.getByRole('button', { name: 'Pin for live predictions' }).click();
  const started = Date.now();
  await page.getByRole('button', { name: 'Start pretraining' }).click();
  const status = page.getByTestId('training-status');
  await page.locator('[data-testid="training-status"][data-status="done"]').waitFor({ timeout: steps * 2_000 });
  const trainSeconds = (Date.now() - started) / 1000;
  await reading;
  if (heapError !== null) throw heapError;
  const ended = Number(await status.getAttribute('data-step'));
  if (ended !== steps) throw new Error(`the run ended at step ${ended}, expected ${steps}`);
  return { steps, batch, tensors, heaps, trainSeconds, meanStepMs: stepMsSum / steps };
}
