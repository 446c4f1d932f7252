// The page fixture every e2e test uses: it opens the studio on WebGPU (SwiftShader allowed) and
// fails the test on any console error, uncaught error, dialog or request outside the app's origin.

import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { APP_ORIGIN } from './origin';

export interface Watch {
  consoleErrors: string[];
  offOrigin: string[];
  dialogs: string[];
}

const LOCAL_SCHEMES = ['data:', 'blob:'];

export const test = base.extend<{ watch: Watch }>({
  watch: async ({ page, context }, use) => {
    const watch: Watch = { consoleErrors: [], offOrigin: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') watch.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => watch.consoleErrors.push(`uncaught: ${e.message}`));
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && watch.consoleErrors.push(`worker: ${m.text()}`)));
    context.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(APP_ORIGIN) && !LOCAL_SCHEMES.some((s) => url.startsWith(s))) watch.offOrigin.push(url);
    });
    await use(watch);
    expect(watch.consoleErrors, 'console errors').toEqual([]);
    expect(watch.offOrigin, 'requests outside the app origin').toEqual([]);
  },
});

export { expect };

/** Opens the studio; `demo: false` starts without the first-visit demo. */
export async function openStudio(page: Page, opts: { demo?: boolean; cacheSize?: number } = {}): Promise<void> {
  const params = new URLSearchParams({ backend: 'webgpu', allowFallbackAdapter: '1' });
  if (opts.demo === false) params.set('demo', '0');
  if (opts.cacheSize !== undefined) params.set('cacheSize', String(opts.cacheSize));
  await page.goto(`/?${params.toString()}`);
  await expect(page.getByTestId('backend-name')).toHaveText('webgpu', { timeout: 60_000 });
}

export async function imageCount(page: Page): Promise<number> {
  const text = await page.getByTestId('image-count').innerText();
  const m = /^(\d+) image/.exec(text);
  if (!m?.[1]) throw new Error(`image count text "${text}" is not "<n> images"`);
  return Number(m[1]);
}

export async function waitForIngest(page: Page): Promise<{ added: number; skipped: number }> {
  const summary = page.getByTestId('ingest-summary');
  await expect(summary).toBeVisible({ timeout: 90_000 });
  const m = /^(\d+) added, (\d+) skipped/.exec(await summary.innerText());
  if (!m?.[1] || !m[2]) throw new Error('the ingest summary is not "<n> added, <m> skipped"');
  return { added: Number(m[1]), skipped: Number(m[2]) };
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Runs proposals with a small config (the given granularities, K pseudo-classes) and waits for their summary. */
export async function runProposals(page: Page, granularities: string, k: number, timeout = 120_000): Promise<void> {
  const form = page.getByTestId('proposal-config');
  await form.getByLabel(/granularities/i).fill(granularities);
  await form.getByLabel(/pseudo-classes K/i).fill(String(k));
  await page.getByRole('button', { name: 'Run proposals' }).click();
  await expect(page.getByTestId('proposal-summary')).toBeVisible({ timeout });
}

/** Fills the training form for a run of the tiny preset; the caller starts it. */
export async function fillTinyRun(page: Page, run: { steps: number; rounds: number; batch: number }): Promise<void> {
  const form = page.getByTestId('training-config');
  await form.getByLabel('Preset').selectOption('tiny');
  await form.getByLabel('Steps per round').fill(String(run.steps));
  await form.getByLabel('Self-training rounds').fill(String(run.rounds));
  await form.getByLabel('Batch size').fill(String(run.batch));
}

/** The checkpoint step the resume offer shows once it appears, checked to be a multiple of `every`. */
export async function offeredCheckpoint(page: Page, every: number): Promise<number> {
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toHaveAttribute('data-step', /^[1-9]\d*$/, { timeout: 60_000 });
  const step = Number(await offer.getAttribute('data-step'));
  expect(step % every, 'a checkpoint step').toBe(0);
  return step;
}

/** After resuming from `step`: the check names it, and the restored weights give the loss saved with the checkpoint. */
export async function expectResumedAt(page: Page, step: number, timeout = 60_000): Promise<void> {
  const check = page.getByTestId('resume-check');
  await expect(check).toContainText(`Resumed at step ${step}`, { timeout });
  const saved = Number(await check.getAttribute('data-saved'));
  const now = Number(await check.getAttribute('data-now'));
  expect(Math.abs(now - saved), 'the checkpoint gives the loss it was saved with').toBeLessThan(1e-4 * Math.max(1, saved));
}
