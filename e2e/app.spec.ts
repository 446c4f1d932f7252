// The studio loads on WebGPU, shows the demo dataset on a first visit, and is accessible.

import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { expect, imageCount, openStudio, test, waitForIngest } from './studio';

const demoManifest: unknown = JSON.parse(readFileSync('public/demo/manifest.json', 'utf8'));
const demoCount = (demoManifest as { images: string[] }).images.length;

test('loads on the WebGPU backend with the SwiftShader adapter', async ({ page, watch }) => {
  await openStudio(page, { demo: false });
  await expect(page.getByTestId('backend-adapter')).toContainText(/swiftshader/i);
  const backend = await page.evaluate(async () => {
    const adapter = await navigator.gpu.requestAdapter();
    return adapter?.info.vendor ?? null;
  });
  expect(backend).toBe('google');
  expect(watch.consoleErrors).toEqual([]);
});

test('shows the demo dataset on a first visit', async ({ page }) => {
  await openStudio(page);
  const { added, skipped } = await waitForIngest(page);
  expect(added).toBe(demoCount);
  expect(skipped).toBe(0);
  expect(await imageCount(page)).toBe(demoCount);
  await expect(page.locator('.thumb img').first()).toBeVisible();
  // The grid is virtualised: far fewer thumbnails are in the DOM than images in the dataset.
  expect(await page.locator('.thumb').count()).toBeLessThan(demoCount);

  await page.locator('.thumb').first().click();
  await expect(page.getByTestId('image-detail').locator('img.preview')).toBeVisible();
  await expect(page.getByTestId('image-detail')).toContainText('JPEG');
});

test('has no serious or critical accessibility violations', async ({ page }) => {
  await openStudio(page);
  await waitForIngest(page);
  await page.locator('.thumb').first().click();
  await page.getByRole('button', { name: 'Backend settings' }).click();
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

  // Every control is reachable with the keyboard.
  await page.keyboard.press('Tab');
  const focused: string[] = [];
  for (let i = 0; i < 12; i++) {
    focused.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
    await page.keyboard.press('Tab');
  }
  for (const name of ['Backend settings', 'Add folder…', 'Add images…', 'Try the demo dataset', 'Clear dataset']) {
    expect(focused.some((t) => t.includes(name)), `"${name}" reachable by Tab`).toBe(true);
  }
});
