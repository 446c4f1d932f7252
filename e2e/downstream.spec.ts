// The Downstream panel on the wasm backend: after a short tiny pretraining on 4 demo images, the
// demo's own COCO labels (80 images, so 76 are not in the dataset and are left out) fine-tune the
// pretrained detector and the one not pretrained; AP on the held-out images comes in for both at
// every evaluation, the verdict compares them, and the results save as JSON whose detections lie
// inside their images. A file that is not COCO fails the next check by name, and the finished
// check's results stay on show.

import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, fillTinyRun, runProposals, test, waitForIngest } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'downstream-demo-images');
const BAD = join('e2e', 'fixtures', 'generated', 'downstream-not-coco.json');

test.beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, 4)) cpSync(join('public/demo/images', name), join(DIR, name));
  writeFileSync(BAD, JSON.stringify({ images: [{ id: 1, file_name: 'scene_000.jpg' }], annotations: [] }));
});

test('the downstream check fine-tunes both detectors on the labels and reports held-out AP', async ({ page }) => {
  test.setTimeout(240_000);
  await page.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
  await page.goto('/?backend=wasm&demo=0&cacheSize=128');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  expect((await waitForIngest(page)).added).toBe(4);

  await page.getByRole('tab', { name: 'Downstream' }).click();
  const panel = page.getByTestId('downstream');
  const runCheck = panel.getByRole('button', { name: 'Run check' });
  await expect(runCheck).toBeDisabled();
  await expect(panel).toContainText('There is no pretrained detector yet');

  await runProposals(page, '2,3', 4);
  await fillTinyRun(page, { steps: 3, rounds: 0, batch: 2 });
  await page.getByRole('button', { name: 'Start pretraining' }).click();
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-status', 'done', { timeout: 120_000 });

  await expect(panel).toContainText('The last checkpoint (step 3, tiny)');
  await expect(panel).toContainText('Choose a COCO JSON file');
  await panel.getByTestId('downstream-labels').setInputFiles('public/demo/annotations.json');
  await panel.getByLabel('Labeled share that fine-tunes').fill('0.5');
  await panel.getByLabel('Fine-tuning steps').fill('0');
  await expect(panel.getByRole('alert')).toContainText('Fine-tuning steps: expected a whole number from 1 to 1000000, got "0"');
  await expect(runCheck).toBeDisabled();
  await panel.getByLabel('Fine-tuning steps').fill('2');
  await panel.getByLabel('Evaluate every').fill('1');
  await panel.getByLabel('Batch size').fill('2');
  await runCheck.click();

  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(panel).toContainText('2 labeled images fine-tune, 2 are held out, 12 classes, tiny preset, 2 steps of batch 2, seed 0');
  await expect(panel).toContainText('pretrained = the checkpoint of step 3 (round 0); 76 labeled images are not in the dataset and were left out.');
  const rows = panel.getByTestId('downstream-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    const cells = await row.locator('td').allTextContents();
    expect(cells).toHaveLength(6);
    for (const c of cells) expect(Number(c)).toBeGreaterThanOrEqual(0);
  }
  await expect(panel.getByTestId('downstream-verdict')).toContainText('After 2 steps');
  await expect(panel.getByTestId('downstream-chart').locator('g[data-arm]')).toHaveCount(2);

  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Save results (.json)' }).click()]);
  expect(download.suggestedFilename()).toBe('downstream-tiny-seed0.json');
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
    plan: { held: string[] };
    arms: { arm: string; curve: { step: number }[]; detections: { file_name: string; category_id: number; bbox: number[]; score: number }[] }[];
  };
  expect(saved.arms.map((a) => a.arm)).toEqual(['pretrained', 'none']);
  for (const arm of saved.arms) {
    expect(arm.curve.map((p) => p.step)).toEqual([1, 2]);
    expect(arm.detections).toHaveLength(2 * 30); // every query of both held-out images, no threshold
    for (const d of arm.detections) {
      expect(saved.plan.held.map((p) => p.split('/').at(-1))).toContain(d.file_name);
      expect(d.category_id).toBeGreaterThanOrEqual(1);
      expect(d.category_id).toBeLessThanOrEqual(12);
      const [x = -1, y = -1, w = -1, h = -1] = d.bbox;
      expect(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= 480.01 && y + h <= 360.01, `bbox ${d.bbox.join(', ')}`).toBe(true);
    }
  }

  // A labels file that is not COCO: the check fails naming the file, and the finished one stays.
  await panel.getByTestId('downstream-labels').setInputFiles(BAD);
  await runCheck.click();
  await expect(panel.getByTestId('downstream-error')).toContainText('The check failed: labels: downstream-not-coco.json is not COCO detection JSON', { timeout: 60_000 });
  await expect(panel).toHaveAttribute('data-status', 'done');
  await expect(rows).toHaveCount(2);
});
