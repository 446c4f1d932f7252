// The bad-input corpus (scripts/fixtures/make-corpus.ts) dropped through the real drop path on
// a dataset that already holds images: every file is added or skipped with a named reason, no
// error escapes, the tab stays responsive and the images from before the drop stay.

import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusOutcome, makeCorpus } from '../scripts/fixtures/make-corpus';
import { png } from '../scripts/fixtures/sharpImages';
import { dropFolder } from './drop';
import { expect, imageCount, openStudio, test, waitForIngest } from './studio';
import type { Page } from '@playwright/test';

const DIR = join('e2e', 'fixtures', 'bad');
const BEFORE_DIR = join('e2e', 'fixtures', 'generated', 'before');
const LINKS_DIR = join('e2e', 'fixtures', 'generated', 'symlinks');
const ROOT = 'corpus';
const BEFORE = ['before/one.png', 'before/two.png', 'before/three.png'];
/** A main-thread task longer than this is a visible freeze. */
const LONGEST_TASK_MS = 200;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  await makeCorpus(DIR);
  rmSync(BEFORE_DIR, { recursive: true, force: true });
  mkdirSync(BEFORE_DIR, { recursive: true });
  for (const [i, path] of BEFORE.entries()) writeFileSync(join(BEFORE_DIR, path.slice('before/'.length)), await png(40, 30, 200 + i));
  // Two real images and every kind of link: a loop back to the top, a link to a file, a dangling one.
  rmSync(LINKS_DIR, { recursive: true, force: true });
  mkdirSync(join(LINKS_DIR, 'sub'), { recursive: true });
  copyFileSync(join(DIR, 'formats', 'grey.png'), join(LINKS_DIR, 'real.png'));
  copyFileSync(join(DIR, 'formats', 'alpha.png'), join(LINKS_DIR, 'sub', 'real.png'));
  symlinkSync('..', join(LINKS_DIR, 'sub', 'loop'));
  symlinkSync('../real.png', join(LINKS_DIR, 'sub', 'link-to-real.png'));
  symlinkSync('/nonexistent/photo.jpg', join(LINKS_DIR, 'dangling.jpg'));
});

/** Path, reason and message of every skipped file in the last ingest report. */
function skippedFiles(page: Page): Promise<{ path: string; reason: string; message: string }[]> {
  return page.getByTestId('skip-list').locator('li').evaluateAll((items) =>
    items.map((li) => {
      const path = li.querySelector('.path')?.textContent ?? '';
      return { path, reason: li.getAttribute('data-reason') ?? '', message: (li.textContent ?? '').slice(path.length + 2) };
    }),
  );
}

/** Paths of every image in the cache that a reload would show: IndexedDB, read directly. */
function cachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('simdetr-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('images').objectStore('images').getAll();
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            open.result.close();
            resolve((req.result as { meta: { path: string } }[]).map((r) => r.meta.path));
          };
        };
      }),
  );
}

test('every file of the bad-input corpus is added or skipped with its reason, and the tab stays responsive', async ({ page }) => {
  test.setTimeout(120_000);
  await openStudio(page, { demo: false });
  await dropFolder(page, BEFORE_DIR, 'before');
  expect(await waitForIngest(page)).toEqual({ added: BEFORE.length, skipped: 0 });
  const summary = page.getByTestId('ingest-summary');
  const firstSummary = await summary.innerText();

  const t0 = Date.now();
  // Chromium's directory readers hand out 100 entries at a time.
  await dropFolder(page, DIR, ROOT, 'drop-zone', 100);
  // Long tasks from here on are the studio's: the synthetic drop above ran in a task of its own.
  await page.evaluate(() => {
    const w = window as unknown as { longestTask: number };
    w.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longestTask = Math.max(w.longestTask, e.duration);
    }).observe({ type: 'longtask' });
  });
  // A plain check in the page rather than expect's polling, which walks the page's whole
  // accessibility tree in a main-thread task of its own that the observer would count.
  await page.waitForFunction(
    (first) => (document.querySelector('[data-testid="ingest-summary"]') as HTMLElement | null)?.innerText !== first,
    firstSummary,
    { timeout: 100_000, polling: 250 },
  );
  const { added, skipped } = await waitForIngest(page);
  const seconds = (Date.now() - t0) / 1000;
  const longest = await page.evaluate(() => (window as unknown as { longestTask: number }).longestTask);
  console.log(`corpus of ${Object.keys(corpusOutcome).length} files: ${await summary.innerText()} (${seconds.toFixed(1)} s from the drop); longest main-thread task ${longest > 0 ? `${longest.toFixed(0)} ms` : 'none over 50 ms'}`);

  const skips = await skippedFiles(page);
  const cached = await cachedPaths(page);
  const skipByPath = new Map(skips.map((s) => [s.path, s]));
  const cachedSet = new Set(cached);
  expect(skips.length, 'each skip listed once').toBe(skipByPath.size);
  expect(cached.length, 'each image cached once').toBe(cachedSet.size);
  expect(BEFORE.filter((p) => !cachedSet.has(p)), 'images from before the drop that are gone').toEqual([]);

  // One expect over all the mismatches: an expect per file costs Playwright ~10 ms each.
  const outcomes = Object.entries(corpusOutcome);
  const twins = new Set(outcomes.flatMap(([, o]) => (o.ok && o.duplicateOf ? [o.duplicateOf] : [])));
  const wrong: string[] = [];
  for (const [path, outcome] of outcomes) {
    const reason = skipByPath.get(`${ROOT}/${path}`)?.reason;
    const isCached = cachedSet.has(`${ROOT}/${path}`);
    if (isCached === (reason !== undefined)) wrong.push(`${path}: ${isCached ? 'both added and skipped' : 'neither added nor skipped'}`);
    else if (!outcome.ok && reason !== outcome.reason) wrong.push(`${path}: ${reason ?? 'added'} instead of ${outcome.reason}`);
    else if (outcome.ok && outcome.duplicateOf) {
      const kept = [reason, skipByPath.get(`${ROOT}/${outcome.duplicateOf}`)?.reason].filter((r) => r === undefined).length;
      if (kept !== 1) wrong.push(`${path}: ${kept} of it and its twin kept instead of 1`);
    } else if (outcome.ok && !twins.has(path) && reason !== undefined) wrong.push(`${path}: ${reason} instead of added`);
  }
  expect(wrong).toEqual([]);
  const expectedSkips = outcomes.filter(([, o]) => !o.ok || o.duplicateOf).length;
  expect({ added, skipped }).toEqual({ added: outcomes.length - expectedSkips, skipped: expectedSkips });
  expect(cached.length).toBe(BEFORE.length + added);
  expect(await imageCount(page)).toBe(BEFORE.length + added);
  await expect(page.getByRole('list', { name: 'Folders that could not be read' })).toHaveCount(0);
  // Refused by its header bytes, found in the whole file, before the decoder could commit 1.6 GB.
  expect(skipByPath.get(`${ROOT}/formats/bomb-sof-past-head.jpg`)?.message).toBe('20000×20000 pixels is over the 64 megapixel limit');
  expect(longest, 'longest main-thread task during the ingest (ms)').toBeLessThan(LONGEST_TASK_MS);

  await page.reload();
  await expect(page.getByTestId('image-count')).toHaveText(`${BEFORE.length + added} images`);
});

// Synthetic drops cannot hold symlinks, so this goes through the folder picker, whose listing
// Chromium itself makes from the real folder: it leaves every symbolic link out.
test('a picked folder with a symlink loop, a dangling link and a link to a file brings in only its real files', async ({ page }) => {
  await openStudio(page, { demo: false });
  await page.getByTestId('folder-input').setInputFiles(LINKS_DIR);
  expect(await waitForIngest(page)).toEqual({ added: 2, skipped: 0 });
  await expect(page.getByRole('list', { name: 'Folders that could not be read' })).toHaveCount(0);
  expect((await cachedPaths(page)).sort()).toEqual(['symlinks/real.png', 'symlinks/sub/real.png']);
});
