// The studio loads on WebGPU, shows the demo dataset on a first visit, and is accessible.

import { readFileSync } from 'node:fs';
import { expect, expectNoSeriousA11yViolations, imageCount, openStudio, test, waitForIngest } from './studio';

const demoManifest: unknown = JSON.parse(readFileSync('public/demo/manifest.json', 'utf8'));
const demoCount = (demoManifest as { images: string[] }).images.length;

test('loads on the WebGPU backend with the SwiftShader adapter', async ({ page, watch }) => {
  await openStudio(page, { demo: false });
  await expect(page.getByTestId('backend-adapter')).toContainText(/swiftshader/i);
  const backend = await page.evaluate(async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const info = (adapter as (GPUAdapter & { info?: { vendor: string } }) | null)?.info;
    return info?.vendor ?? null;
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

test('has no serious or critical accessibility violations, and every control is reachable by keyboard', async ({ page }) => {
  await openStudio(page);
  await waitForIngest(page);

  const focused: string[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    focused.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
  }
  for (const name of ['Backend settings', 'Add folder…', 'Add images…', 'Try the demo dataset', 'Clear dataset']) {
    expect(focused, `"${name}" reachable by Tab`).toContain(name);
  }

  await page.locator('.thumb').first().click();
  await page.getByRole('button', { name: 'Backend settings' }).click();
  await expectNoSeriousA11yViolations(page);
});
