// Export and import of a run on the wasm backend (fast enough on a small CPU machine): the .zip
// downloaded through the <a download> fallback holds safetensors and tfjs weights that agree bit for
// bit, AdamW's moments, COCO files of proposals, pseudo-labels and predictions that validate and
// one metrics line per step; a truncated copy is refused without touching the saved run; the good copy
// becomes the saved run again, and resuming from it gives the same loss on a fixed batch.

import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parseCocoDataset } from '../src/core/cocoFormat';
import { readSafetensors } from '../src/core/safetensors';
import { readTfjsWeights } from '../src/core/tfjsWeights';
import { weightsDiffer } from '../src/core/weightMap';
import { expect, fillTinyRun, runProposals, test, waitForIngest } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'export-demo-images');

test.beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync('public/demo/images').sort().slice(0, 3)) cpSync(join('public/demo/images', name), join(DIR, name));
});

test('a run exports as a .zip, a damaged copy is refused, the good copy imports and resumes', async ({ page }) => {
  test.setTimeout(240_000);
  // Without the File System Access API the panel takes the download path, which Playwright sees.
  await page.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }));
  await page.goto('/?backend=wasm&demo=0&cacheSize=128');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  expect((await waitForIngest(page)).added).toBe(3);

  await runProposals(page, '2,3', 4);

  // A long round stopped after a few steps: the saved run is unfinished, so the resume offer shows.
  await fillTinyRun(page, { steps: 40, rounds: 0, batch: 2 });
  const exportButton = page.getByRole('button', { name: 'Export run (.zip)' });
  await expect(exportButton).toBeDisabled();
  await page.getByRole('button', { name: 'Start pretraining' }).click();
  const status = page.getByTestId('training-status');
  await expect(status).toHaveAttribute('data-step', /^([2-9]|\d\d)$/, { timeout: 120_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  const offer = page.getByTestId('resume-offer');
  const exported = Number(await status.getAttribute('data-step'));
  await expect(offer).toHaveAttribute('data-step', String(exported));

  const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
  expect(download.suggestedFilename()).toBe(`simdetr-tiny-step${exported}.zip`);
  const zip = new Uint8Array(readFileSync(await download.path()));
  const files = unzipSync(zip);
  const model = readSafetensors(files['model.safetensors']!);
  expect(model.metadata.step).toBe(String(exported));
  expect(model.metadata.num_classes).toBe('4');
  expect(model.metadata.dataset_sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(model.tensors.get('query_embed.weight')?.shape).toEqual([30, 64]);
  expect(JSON.parse(strFromU8(files['config.json']!))).toMatchObject({ preset: 'tiny', stepsPerRound: 40, extraRounds: 0 });
  const coco = parseCocoDataset(JSON.parse(strFromU8(files['proposals.coco.json']!)));
  expect(coco.ok ? coco.dataset.images.length : coco.errors).toBe(3);
  if (coco.ok) expect(coco.dataset.annotations.length).toBeGreaterThan(0);
  expect(JSON.parse(strFromU8(files['proposals.labelstudio.json']!))).toHaveLength(3);
  // The same weights as tfjs model.json + shards, AdamW's moments, every round's labels, the final
  // predictions and one metrics line per step.
  const tfjs = await readTfjsWeights(JSON.parse(strFromU8(files['model.json']!)), (path) => files[path]);
  expect(weightsDiffer(tfjs.tensors, model.tensors)).toBeNull();
  const optimizer = readSafetensors(files['optimizer.safetensors']!);
  expect(optimizer.metadata.step).toBe(String(exported));
  expect(optimizer.tensors.get('query_embed.weight.exp_avg_sq')?.shape).toEqual([30, 64]);
  for (const stem of ['pseudo_labels.round0', 'predictions']) {
    const ds = parseCocoDataset(JSON.parse(strFromU8(files[`${stem}.coco.json`]!)));
    expect(ds.ok ? ds.dataset.images.length : ds.errors, stem).toBe(3);
    expect(JSON.parse(strFromU8(files[`${stem}.labelstudio.json`]!)), stem).toHaveLength(3);
  }
  const metrics = strFromU8(files['metrics.jsonl']!).trim().split('\n').map((line) => JSON.parse(line) as { step: number; loss: number });
  expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: exported }, (_, i) => i + 1));
  expect(metrics.every((m) => Number.isFinite(m.loss))).toBe(true);

  // Move the saved run on, so that importing the export visibly brings it back.
  await offer.getByRole('button', { name: `Resume from step ${exported}` }).click();
  await expect(status).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThan(exported + 1);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  const later = await offer.getAttribute('data-step');

  const input = page.getByTestId('import-run');
  const cut = Buffer.from(zip.subarray(0, Math.floor(zip.length * 0.6)));
  await input.setInputFiles({ name: 'damaged.zip', mimeType: 'application/zip', buffer: cut });
  await expect(page.getByRole('alert')).toContainText(/import:.*damaged\.zip/, { timeout: 60_000 });
  await expect(input).toBeEnabled();
  await expect(offer).toHaveAttribute('data-step', later ?? '');

  await input.setInputFiles({ name: 'good.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) });
  await expect(offer).toHaveAttribute('data-step', String(exported), { timeout: 60_000 });
  await offer.getByRole('button', { name: `Resume from step ${exported}` }).click();
  const check = page.getByTestId('resume-check');
  await expect(check).toBeVisible({ timeout: 60_000 });
  const saved = Number(await check.getAttribute('data-saved'));
  const now = Number(await check.getAttribute('data-now'));
  expect(Math.abs(now - saved), 'the imported weights give the loss measured at import').toBeLessThan(1e-4 * Math.max(1, saved));
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
});
