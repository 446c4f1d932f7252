// Stages 3–4 on WebGPU with the `tiny` preset: a short pretraining run with a self-training round
// on a few demo images, with flips and crops. The loss chart and the prediction overlay update while
// it trains, pause and resume act between steps, and the run ends with round 1's targets next to
// round 0's; with a threshold no prediction reaches, the targets per round say round 1 has none.

import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, expectNoSeriousA11yViolations, fillTinyRun, openStudio, runProposals, test, waitForIngest } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'six-demo-images');

test.beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, 6)) cpSync(join('public/demo/images', name), join(DIR, name));
});

test('tiny preset pretrains on WebGPU with live loss and predictions, pause and resume', async ({ page }) => {
  test.setTimeout(900_000);
  await openStudio(page, { demo: false, cacheSize: 128 });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  expect((await waitForIngest(page)).added).toBe(6);

  await runProposals(page, '2,3', 4, 300_000);

  await fillTinyRun(page, { steps: 4, rounds: 1, batch: 2 });
  // Flips and crops run on WebGPU too (one cropAndResize per batch).
  await page.getByTestId('training-config').getByLabel('Augmentation').selectOption('flip-crop');
  // No class probability reaches 1, so round 1 gets no targets and the studio must say so.
  await page.getByTestId('training-config').getByLabel('Self-training threshold').fill('1');
  await page.locator('.thumb').first().click();
  await page.getByRole('button', { name: 'Pin for live predictions' }).click();
  await page.getByRole('button', { name: 'Start pretraining' }).click();

  const status = page.getByTestId('training-status');
  const chart = page.getByTestId('loss-chart');
  await expect(chart).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 300_000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-status', 'paused', { timeout: 120_000 });
  const pausedAt = Number(await status.getAttribute('data-step'));
  await page.waitForTimeout(3000);
  expect(Number(await status.getAttribute('data-step')), 'no step while paused').toBe(pausedAt);
  await expectNoSeriousA11yViolations(page);
  await page.getByRole('button', { name: 'Resume' }).click();

  // Into the self-training round: round 1's targets are the detector's predictions.
  await expect(status).toHaveAttribute('data-round', '1', { timeout: 600_000 });
  await page.getByRole('radio', { name: 'Predictions' }).check();
  await expect(page.getByTestId('prediction-overlay')).toHaveAttribute('data-boxes', /^\d+$/);
  await expect(page.getByTestId('round-compare')).toBeVisible();
  const rounds = page.getByTestId('round-summary');
  await expect(rounds.locator('tr[data-round="0"]')).toHaveAttribute('data-boxes', /^[1-9]\d*$/);
  await expect(rounds.locator('tr[data-round="1"]')).toHaveAttribute('data-boxes', '0');
  await expect(rounds.getByTestId('thin-round')).toContainText('Round 1 trains on 0 boxes, 0.0 per image');
  expect(Number.isFinite(Number(await chart.getAttribute('data-last-loss')))).toBe(true);
  await expect(page.getByTestId('training-stats')).toHaveAttribute('data-tensors', /^\d+$/);

  // Stop, reload, resume: the run continues from the saved step with the saved state.
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 300_000 });
  const stoppedAt = Number(await status.getAttribute('data-step'));
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toHaveAttribute('data-step', String(stoppedAt), { timeout: 60_000 });
  await offer.getByRole('button', { name: `Resume from step ${stoppedAt}` }).click();
  const check = page.getByTestId('resume-check');
  await expect(check).toBeVisible({ timeout: 300_000 });
  const saved = Number(await check.getAttribute('data-saved'));
  const now = Number(await check.getAttribute('data-now'));
  expect(Number.isFinite(saved)).toBe(true);
  expect(Math.abs(now - saved), 'same loss on the same batch after resuming').toBeLessThan(1e-4 * Math.max(1, saved));
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 600_000 });
  await expect(status).toHaveAttribute('data-step', '8');
  await expectNoSeriousA11yViolations(page);
});
