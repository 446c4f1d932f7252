// Faults while a run goes, on the wasm backend (fast enough on a small CPU machine): the worker
// crashes (an uncaught error, injected through the ?runner=1 surface), a step finds the WebAssembly
// heap full (filled through the same surface), the tab's renderer is killed, a weight turns NaN (the
// loss diverges), and the storage quota runs out while a checkpoint is written (a real quota, lowered through the DevTools protocol). Each
// time the person is told what happened, the dataset stays, and resuming continues from the last
// checkpoint that reached the disk. The storage panel frees checkpoints and the cached images.
// File names with U+202E are shown isolated in <bdi>.

import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, expectResumedAt, fillTinyRun, offeredCheckpoint, runProposals, test, waitForIngest, type Watch } from './studio';

const DIR = join('e2e', 'fixtures', 'generated', 'fault-images');
/** "scene-‮gpj.png" displays as "scene-gnp.jpg" unless it is isolated. */
const RLO_NAME = 'scene-\u202Egpj.png.jpg';
const RLO_EMPTY = 'empty-\u202Etxt.jpg';

test.beforeAll(() => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const [first, ...rest] = readdirSync('public/demo/images').sort().slice(0, 3);
  cpSync(join('public/demo/images', first!), join(DIR, RLO_NAME));
  for (const name of rest) cpSync(join('public/demo/images', name), join(DIR, name));
  writeFileSync(join(DIR, RLO_EMPTY), '');
});

const STUDIO_URL = '/?backend=wasm&demo=0&cacheSize=128&runner=1';

/** Three images in (one empty file skipped), proposals done, a tiny run of `steps` started (checkpoints every 5 steps). */
async function startRun(page: Page, steps = 40): Promise<void> {
  await page.goto(STUDIO_URL);
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(DIR);
  expect(await waitForIngest(page)).toEqual({ added: 3, skipped: 1 });
  await runProposals(page, '2,3', 4);
  await fillTinyRun(page, { steps, rounds: 0, batch: 2 });
  await page.getByRole('button', { name: 'Start pretraining' }).click();
}

/** Resumes from the offered step: the restored weights give the saved loss, and training goes on. */
async function resumeFrom(page: Page, step: number): Promise<void> {
  const status = page.getByTestId('training-status');
  await page.getByTestId('resume-offer').getByRole('button', { name: `Resume from step ${step}` }).click();
  await expectResumedAt(page, step);
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThan(step);
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
}

/** The console lines the injected fault itself causes; any other error still fails the test. */
function dropExpected(watch: Watch, pattern: RegExp): void {
  watch.consoleErrors = watch.consoleErrors.filter((e) => !pattern.test(e));
}

test('a worker crash is reported, the dataset stays, and the run resumes from its checkpoint', async ({ page, watch }) => {
  test.setTimeout(240_000);
  await startRun(page);
  const status = page.getByTestId('training-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThan(6);

  await page.evaluate(() => window.simdetrRunner?.injectFault('crash'));
  await expect(page.getByRole('alert')).toContainText(/worker:.*injected crash: an uncaught error in the training worker/);
  await expect(status).toHaveAttribute('data-status', 'failed');
  await expect(status).toContainText('The training worker crashed');
  await expect(page.getByTestId('recovery-notice')).toHaveAttribute('data-kind', 'crash');
  await expect(page.getByTestId('recovery-notice')).toContainText('the dataset is intact (3 images)');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('image-count')).toHaveText('3 images');
  await resumeFrom(page, await offeredCheckpoint(page, 5));

  // U+202E in a file name stays inside <bdi>, in the detail panel and in the skip list.
  await page.locator(`.thumb[title$="${RLO_NAME}"]`).click();
  await expect(page.getByTestId('image-detail').locator('dd.path > bdi')).toHaveText(`fault-images/${RLO_NAME}`);
  await page.locator('.skips summary').click();
  await expect(page.getByTestId('skip-list').locator('li[data-reason="empty"] > bdi.path')).toHaveText(`fault-images/${RLO_EMPTY}`);
  dropExpected(watch, /injected crash/);
});

test('a step that finds the WebAssembly heap full fails with that reason, a fresh worker takes over, and the run resumes', async ({ page, watch }) => {
  test.setTimeout(240_000);
  await startRun(page);
  const status = page.getByTestId('training-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThan(6);

  // Real allocations, held, up to the heap's 4 GiB: the next step's own allocation is refused.
  await page.evaluate(() => window.simdetrRunner?.injectFault('fillWasmHeap'));
  const reason = /the WebAssembly heap is full: \d+ MiB more could not be allocated \(it holds \d+ MiB of at most 4 GiB\)/;
  await expect(page.getByRole('alert')).toContainText(reason);
  await expect(status).toHaveAttribute('data-status', 'failed');
  await expect(status).toContainText('Resume with a smaller batch or image size');
  await expect(page.getByTestId('recovery-notice')).toHaveAttribute('data-kind', 'crash');
  await expect(page.getByTestId('recovery-notice')).toContainText(reason);
  await expect(page.getByTestId('recovery-notice')).toContainText('the dataset is intact (3 images)');
  await expect(page.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  // The fresh worker's heap is empty again: the run goes on from its checkpoint with the same loss.
  await resumeFrom(page, await offeredCheckpoint(page, 5));
  dropExpected(watch, /WebAssembly heap is full/);
});

test('the renderer killed mid-run, as Chromium does when the page runs out of memory: reopened, the dataset is there and the run resumes from its checkpoint', async ({ page, context }) => {
  test.setTimeout(240_000);
  await startRun(page, 1000);
  const status = page.getByTestId('training-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThan(11);
  const reached = Number(await status.getAttribute('data-step'));

  // SIGKILL to the tab's renderer, as the system's out-of-memory killer sends it: the worker dies
  // with it, and nothing is stopped or saved on the way out.
  const crashed = page.waitForEvent('crash');
  const browserCdp = await context.browser()!.newBrowserCDPSession();
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  const renderers = processInfo.filter((p) => p.type === 'renderer');
  expect(renderers.length, 'renderer processes').toBeGreaterThan(0);
  for (const r of renderers) process.kill(r.id, 'SIGKILL');
  await crashed;

  const reopened = await context.newPage();
  const errors: string[] = [];
  reopened.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  reopened.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await reopened.goto(STUDIO_URL);
  await expect(reopened.getByTestId('backend-name')).toHaveText('wasm', { timeout: 60_000 });
  await expect(reopened.getByTestId('image-count')).toHaveText('3 images');
  const saved = await offeredCheckpoint(reopened, 5);
  // At most the steps since the last checkpoint are lost (and the few of the step in flight).
  expect(reached - saved, 'steps lost').toBeLessThan(5 + 3);
  await resumeFrom(reopened, saved);
  expect(errors).toEqual([]);
});

test('a non-finite loss takes the run back to its last checkpoint at half the learning rate, and the run goes on to the end', async ({ page }) => {
  test.setTimeout(240_000);
  await startRun(page);
  const status = page.getByTestId('training-status');
  await expect.poll(async () => Number(await status.getAttribute('data-step')), { timeout: 120_000 }).toBeGreaterThan(6);

  await page.evaluate(() => window.simdetrRunner?.injectFault('poisonWeights'));
  await expect(status).toContainText(/The loss was not finite at step (\d+): back to the checkpoint of step (\d+), learning rate halved to 5\.0e-5\./, { timeout: 60_000 });
  const m = /not finite at step (\d+): back to the checkpoint of step (\d+)/.exec(await status.innerText());
  const [failed, back] = [Number(m![1]), Number(m![2])];
  expect(back % 5, 'a checkpoint step').toBe(0);
  expect(back).toBeLessThan(failed);
  await expect(status).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-step', '40');
  await expect(status).toContainText('1 rollback after a non-finite loss; final learning rate 5.0e-5.');
  expect(Number.isFinite(Number(await page.getByTestId('loss-chart').getAttribute('data-last-loss')))).toBe(true);
});

test('a full disk while saving a checkpoint says so, keeps the previous one, and resume gets it', async ({ page }) => {
  test.setTimeout(240_000);
  await startRun(page, 1000); // still running when the disk fills, however fast the machine (the test stops it)
  const panel = page.getByTestId('storage-panel');
  await expect(panel).toHaveAttribute('data-checkpoint-step', /^[1-9]\d*$/, { timeout: 120_000 });
  await expect(page.getByTestId('storage-checkpoints')).toContainText(/slot/);

  // No room for anything more: the next checkpoint's write is refused by the browser itself.
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  const used = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: used });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(/checkpoint: Storage is full: the browser refused to save the checkpoint of step \d+/, { timeout: 120_000 });
  const m = /checkpoint of step (\d+) \(storage quota exceeded\)\. Training goes on; a resume starts from the checkpoint of step (\d+), which is intact/.exec(
    await alert.innerText(),
  );
  expect(m, 'the message names the failed and the kept checkpoint').not.toBeNull();
  const [failed, kept] = [Number(m![1]), Number(m![2])];
  expect(kept).toBeLessThan(failed);

  const status = page.getByTestId('training-status');
  await expect(status).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(status).toHaveAttribute('data-status', 'stopped', { timeout: 60_000 });
  await expect(page.getByTestId('resume-offer')).toHaveAttribute('data-step', String(kept));

  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await resumeFrom(page, kept);

  // The storage panel frees the checkpoints, after a confirmation.
  page.once('dialog', (d) => void d.accept());
  await panel.getByRole('button', { name: 'Delete checkpoints' }).click();
  await expect(page.getByTestId('storage-checkpoints')).toHaveText('none', { timeout: 30_000 });
  await expect(page.getByTestId('resume-offer')).toHaveCount(0);
  await expect(page.getByTestId('image-count')).toHaveText('3 images');
  page.once('dialog', (d) => void d.accept());
  await panel.getByRole('button', { name: 'Delete cached images' }).click();
  await expect(page.getByTestId('image-count')).toHaveText('0 images', { timeout: 30_000 });
  await expect(page.getByTestId('storage-images')).toHaveText('0 cached, 0 B');
});
