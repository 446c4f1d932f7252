// The GPU device lost while a run goes, on WebGPU (SwiftShader): `device.destroy()` on the
// backend's own device, injected through the ?runner=1 surface. The worker notices, starts WebGPU
// again, reloads the last checkpoint and finishes the run; the UI says what happened and how many
// steps were repeated. The device running out of memory (its uncaptured GPUOutOfMemoryError,
// dispatched the same way) stops the run with that reason instead, as the same batch would run out
// again; WebGPU starts afresh and the person resumes from the checkpoint. An invalid WebGPU command
// (a real one: an AddN wider than a shader may bind) ends the run, saying why. Kept short (tiny
// preset, one image per step): a step here takes 10–30 s.

import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultTrainingConfig } from '../src/store/trainingSlice';
import type { Page } from '@playwright/test';
import { expect, expectResumedAt, offeredCheckpoint, runProposals, test, waitForIngest } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'device-lost-images');

test.beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, 3)) cpSync(join('public/demo/images', name), join(DIR, name));
});

/** Three images, proposals, and a 5-step tiny run on WebGPU (checkpoints every 2 steps) at step ≥ 3. */
async function runToStep3(page: Page): Promise<void> {
  await page.goto('/?backend=webgpu&allowFallbackAdapter=1&demo=0&cacheSize=128&runner=1');
  const backend = page.getByTestId('backend-name');
  await expect(backend).toHaveText('webgpu', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  expect((await waitForIngest(page)).added).toBe(3);
  await runProposals(page, '2', 3, 300_000);

  // Checkpoints every 2 steps (the form has no field for it; the runner takes a whole config).
  const config = { ...defaultTrainingConfig('tiny'), stepsPerRound: 5, extraRounds: 0, batchSize: 1, checkpointEvery: 2 };
  await page.evaluate((c) => void window.simdetrRunner?.train(c).catch(() => undefined), config);
  const status = page.getByTestId('training-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 300_000, intervals: [500] }).toBeGreaterThanOrEqual(3);
}

test('a lost GPU device restarts WebGPU and the run continues from its checkpoint', async ({ page }) => {
  test.setTimeout(900_000);
  await runToStep3(page);
  const backend = page.getByTestId('backend-name');
  const status = page.getByTestId('training-status');
  await page.evaluate(() => window.simdetrRunner?.injectFault('loseDevice'));
  const notice = page.getByTestId('recovery-notice');
  await expect(notice).toHaveAttribute('data-kind', 'gpu', { timeout: 120_000 });
  const lostAt = Number(await notice.getAttribute('data-lost-at'));
  const from = Number(await notice.getAttribute('data-checkpoint-step'));
  expect(lostAt).toBeGreaterThanOrEqual(3);
  expect(from % 2, 'a checkpoint step').toBe(0);
  expect(from).toBeLessThanOrEqual(lostAt);
  const repeated = lostAt - from;
  console.log(`device lost at step ${lostAt}; resumed from the checkpoint of step ${from} (${repeated} repeated)`);
  await expect(notice).toContainText(/The GPU device was lost \(destroyed/);
  await expect(notice).toContainText(`${repeated} ${repeated === 1 ? 'step is' : 'steps are'} repeated`);
  await expect(backend).toHaveText('webgpu');

  await expectResumedAt(page, from, 300_000);
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 600_000 });
  await expect(status).toHaveAttribute('data-step', '5');
  expect(Number.isFinite(Number(await page.getByTestId('loss-chart').getAttribute('data-last-loss')))).toBe(true);
  await expect(page.getByTestId('image-count')).toHaveText('3 images');
});

test('the GPU out of memory stops the run with that reason, WebGPU starts again, and the run resumes from its checkpoint', async ({ page }) => {
  test.setTimeout(900_000);
  await runToStep3(page);
  const status = page.getByTestId('training-status');
  await page.evaluate(() => window.simdetrRunner?.injectFault('gpuOutOfMemory'));
  await expect(status).toHaveAttribute('data-status', 'failed', { timeout: 120_000 });
  await expect(status).toContainText(
    /The GPU ran out of memory at step \d+ \(injected: a buffer of the training step could not be allocated\); webgpu was started again with its memory freed\. Resume from the checkpoint of step \d+ with a smaller batch or image size\./,
  );
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu');
  const from = await offeredCheckpoint(page, 2);
  await page.getByTestId('resume-offer').getByRole('button', { name: `Resume from step ${from}` }).click();
  await expectResumedAt(page, from, 300_000);
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 600_000 });
  await expect(status).toHaveAttribute('data-step', '5');
  await expect(page.getByTestId('image-count')).toHaveText('3 images');
});

test('an invalid WebGPU command ends the run with that reason instead of training on what the GPU dropped', async ({ page }) => {
  test.setTimeout(900_000);
  await runToStep3(page);
  const status = page.getByTestId('training-status');
  await page.evaluate(() => window.simdetrRunner?.injectFault('invalidGpuCommand'));
  await expect(status).toHaveAttribute('data-status', 'failed', { timeout: 120_000 });
  await expect(status).toContainText(/WebGPU rejected a command of the training step \(.*storage buffers.*\), so the step's results are not trustworthy/);
  await expect(status).toContainText(/Resume from the checkpoint of step \d+ on another backend/);
});
