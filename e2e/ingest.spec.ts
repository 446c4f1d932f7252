// Folders in: a dropped nested folder with good and bad files of every kind gives the right
// counts and reasons, survives a reload, de-duplicates across drops, and can be cleared.

import { deflateSync } from 'node:zlib';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pngChunk, pngIhdr, PNG_SIGNATURE } from '../scripts/fixtures/handBuilt';
import { expectedOutcome, HTML_NAME, makeBadFixtures } from '../scripts/fixtures/make-bad';
import { dropFolder } from './drop';
import { expect, expectNoSeriousA11yViolations, imageCount, openStudio, test, waitForIngest } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'nested');
const ROOT = 'photos';
const entries = Object.entries(expectedOutcome);
const good = entries.filter(([, o]) => o.ok && !o.duplicateOf);
const bad = entries.filter(([, o]) => !o.ok);
const dupes = entries.filter(([, o]) => o.ok && o.duplicateOf);
/** Headers and end marker are fine, so only the browser's decoder can tell: its data is noise. */
const CORRUPT = 'bad/corrupt-data.png';

test.beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  await makeBadFixtures(DIR);
  const noise = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919) % 251));
  const idat = Buffer.concat([deflateSync(Buffer.alloc(8)).subarray(0, 4), noise]);
  writeFileSync(join(DIR, CORRUPT), Buffer.concat([PNG_SIGNATURE, pngIhdr(32, 32, 8, 2), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]));
});

test('a dropped nested folder gives the right counts and reasons, and survives a reload', async ({ page }) => {
  await openStudio(page, { demo: false });
  await expect(page.getByTestId('image-count')).toHaveText('0 images');
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.message()}`);
  });

  await dropFolder(page, DIR, ROOT);
  const { added, skipped } = await waitForIngest(page);
  expect(added).toBe(good.length);
  expect(skipped).toBe(bad.length + dupes.length + 1);
  expect(await imageCount(page)).toBe(good.length);

  await page.locator('.skips summary').click();
  const list = page.getByTestId('skip-list');
  for (const [path, outcome] of bad) {
    if (outcome.ok) continue;
    const item = list.locator('li', { hasText: `${ROOT}/${path}:` });
    await expect(item, path).toHaveAttribute('data-reason', outcome.reason);
  }
  await expect(list.locator('li', { hasText: `${ROOT}/${CORRUPT}:` })).toHaveAttribute('data-reason', 'undecodable');
  for (const [path, outcome] of dupes) {
    if (!outcome.ok || !outcome.duplicateOf) continue;
    // Files are decoded in parallel, so either twin may be the one kept.
    const twins = [path, outcome.duplicateOf].map((p) => list.locator('li', { hasText: `${ROOT}/${p}:` }));
    const counts = await Promise.all(twins.map((t) => t.count()));
    expect(counts.reduce((a, b) => a + b, 0), `one of ${path} and its twin is skipped`).toBe(1);
    await expect(list.locator('li[data-reason="duplicate"]')).toHaveCount(1);
  }

  await expectNoSeriousA11yViolations(page);

  // A file name made of HTML is shown as text, never parsed.
  await expect(page.getByTitle(`${ROOT}/good/${HTML_NAME}`)).toBeVisible();
  expect(await page.locator('img[src="x"]').count()).toBe(0);

  // EXIF orientation 6 turns the stored 160×96 into a 96×160 picture.
  await page.getByTitle(`${ROOT}/good/orient6.jpg`).click();
  await expect(page.getByTestId('image-detail')).toContainText('96 × 160');

  await page.reload();
  await expect(page.getByTestId('image-count')).toHaveText(`${good.length} images`);
  await expect(page.getByTitle(`${ROOT}/good/deeper/deepest/c.webp`)).toBeVisible();
});

test('the folder picker ingests the same folder; a second copy is all duplicates; clearing empties it', async ({ page }) => {
  await openStudio(page, { demo: false });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  const first = await waitForIngest(page);
  expect(first.added).toBe(good.length);
  expect(first.skipped).toBe(bad.length + dupes.length + 1);

  await page.getByTestId('file-input').setInputFiles(join(DIR, 'good', 'a.jpg'));
  await expect(page.getByTestId('ingest-summary')).toHaveText(/^0 added, 1 skipped/);
  await page.locator('.skips summary').click();
  await expect(page.getByTestId('skip-list').locator('li')).toHaveAttribute('data-reason', 'duplicate');

  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Clear dataset' }).click();
  await expect(page.getByTestId('image-count')).toHaveText('0 images');
  await page.reload();
  await expect(page.getByTestId('image-count')).toHaveText('0 images');
});

test('cancel stops an ingest and keeps what was added', async ({ page }) => {
  await openStudio(page, { demo: false });
  await page.getByTestId('folder-input').setInputFiles('public/demo/images');
  await expect(page.getByTestId('ingest-progress')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  const summary = page.getByTestId('ingest-summary');
  await expect(summary).toContainText('(cancelled)');
  const { added } = await waitForIngest(page);
  expect(added).toBeLessThan(80);
  await page.reload();
  await expect(page.getByTestId('image-count')).toHaveText(`${added} images`);
});

test('a full disk stops the ingest with a clear message and keeps every image saved before', async ({ page }) => {
  await openStudio(page, { demo: false });
  const cdp = await page.context().newCDPSession(page);
  // Room for a few batches of 16 cached copies (about 36 kB each with thumbnails), not for all 80.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 1_500_000 });
  await page.getByTestId('folder-input').setInputFiles('public/demo/images');
  const { added, skipped } = await waitForIngest(page);
  console.log(`full disk: ${added} added, ${skipped} skipped`);
  expect(added).toBeGreaterThan(0);
  expect(added).toBeLessThan(80);
  await expect(page.getByTestId('ingest-report')).toContainText('Storage is full');
  await page.locator('.skips summary').click();
  expect(await page.locator('[data-testid="skip-list"] li[data-reason="storage-full"]').count()).toBeGreaterThan(0);
  expect(added + skipped).toBeLessThanOrEqual(80);
  await page.reload();
  await expect(page.getByTestId('image-count')).toHaveText(`${added} images`);
});
