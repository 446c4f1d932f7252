// Stages 1–2 on the demo dataset in Chromium with WebGPU: the panels fill in while the stage
// runs, and the final proposals and pseudo-classes equal those of the same stage run in Node on
// the CPU backend over the same pixels.

import { maxBoxDifference, nodeRun, readBrowserRun, samePartition } from './parity';
import { expect, expectNoSeriousA11yViolations, openStudio, test, waitForIngest } from './studio';

test('proposals and clusters fill in live and match the CPU backend in Node', async ({ page }) => {
  test.setTimeout(900_000);
  await openStudio(page, { cacheSize: 128 });
  const { added } = await waitForIngest(page);

  const form = page.getByTestId('proposal-config');
  await form.getByLabel(/granularities/i).fill('2,3,4');
  await form.getByLabel(/^K\b|pseudo-classes|clusters/i).first().fill('12');
  await form.getByLabel(/seed/i).fill('3');
  await page.getByRole('button', { name: 'Run proposals' }).click();

  // Live: progress moves and boxes appear on an image before the run is over.
  const progress = page.getByTestId('proposal-progress');
  await expect(progress).toContainText(new RegExp(`Proposals: [1-9]\\d* / ${added}`), { timeout: 300_000 });
  await page.locator('.thumb').first().click();
  await expect(page.getByTestId('proposal-overlay')).toHaveAttribute('data-boxes', /^[1-9]\d*$/);
  expect(await progress.isVisible(), 'the run is still going while boxes show').toBe(true);

  const summary = page.getByTestId('proposal-summary');
  await expect(summary).toBeVisible({ timeout: 600_000 });
  const proposals = Number(await summary.getAttribute('data-proposals'));
  const k = Number(await summary.getAttribute('data-k'));
  expect(Number(await summary.getAttribute('data-images'))).toBe(added);
  expect(proposals).toBeGreaterThan(added);
  expect(k).toBe(12);
  await expect(page.getByTestId('embedding-map')).toHaveAttribute('data-points', String(proposals));

  // The gallery has a row per pseudo-class; picking one filters the image grid.
  await page.getByRole('tab', { name: 'Clusters' }).click();
  const rows = page.getByTestId('cluster-gallery').locator('button.cluster-row');
  await expect(rows).toHaveCount(k);
  await expect(rows.first().locator('img').first()).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await rows.first().click();
  await page.getByRole('tab', { name: 'Images' }).click();
  const filter = page.getByTestId('cluster-filter');
  const shown = Number(/Showing (\d+)/.exec(await filter.innerText())?.[1]);
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThanOrEqual(added);
  await page.getByRole('tab', { name: 'Map' }).click();
  await expectNoSeriousA11yViolations(page);

  // A reload shows the saved run.
  await page.reload();
  await expect(page.getByTestId('proposal-summary')).toHaveAttribute('data-proposals', String(proposals));

  const browser = await readBrowserRun(page);
  const nodeStart = Date.now();
  const node = await nodeRun(browser);
  console.log(`browser run: ${await page.getByTestId('proposal-summary').innerText()}; node run ${(Date.now() - nodeStart) / 1000} s`);
  expect(node.K).toBe(browser.K);
  const worst = browser.images.map((im, i) => maxBoxDifference(im.boxes, node.boxes[i] ?? []));
  expect(Math.max(...worst), 'largest box difference in pixels').toBeLessThanOrEqual(1);
  expect(samePartition(browser.images.flatMap((im) => im.clusters), node.clusters.flat()), 'same clusters up to relabelling').toBe(true);
});
