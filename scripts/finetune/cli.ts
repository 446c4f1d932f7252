// npm run finetune — the studio's downstream check, headless: it builds and serves the app, opens it
// in headless Chromium with ?runner=1 on a fresh profile, adds the images through the studio's own
// folder picker (or loads the demo), hands --init to the Downstream panel's detector input, and
// runs the check through window.simdetrRunner (the panel's own action). Writes to --out:
//   ap.json          AP, AP50, AR@100 and class-agnostic AP50 on the held-out part at the last step,
//                    the curve, the split's file names, steps, seed, settings, backend;
//   predictions.json the detector's COCO results on the held-out part (at most 100 per image).
// Exit codes: 0 done, 1 the check failed, 2 bad command line. Usage: options.ts.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { detrPreset } from '../../src/core/detrConfig';
import { formatMetric } from '../../src/core/downstream';
import { readRunArchive } from '../../src/worker/runArchive';
import type { RunnerReport } from '../../src/runner/types';
import { builtApp, describeError, hasGpu, openBrowser, ROOT, serve } from '../pretrain/app';
import { checkImageFolder } from '../pretrain/folder';
import { Progress } from '../pretrain/progress';
import { parseFinetuneOptions, USAGE, UsageError, type FinetuneOptions } from './options';

const DEMO_LABELS = join(ROOT, 'public/demo/annotations.json');

/**
 * Files named on the command line, read before a browser starts (a missing one is named), and the
 * detector's input size: the studio caches the images at it, as npm run pretrain does, so that a
 * pretrained detector sees the pixels it was trained on.
 */
async function readInputs(o: FinetuneOptions): Promise<{ labels: { name: string; text: string }; imageSize: number }> {
  const path = o.source.kind === 'demo' ? DEMO_LABELS : o.source.labels;
  if (!existsSync(path)) throw new UsageError(`--labels ${path}: no such file`);
  if (o.init !== 'none' && !existsSync(o.init)) throw new UsageError(`--init ${o.init}: no such file (or say --init none)`);
  if (o.source.kind === 'folder') checkImageFolder(o.source.path);
  const init = o.init === 'none' ? null : await readRunArchive(new Uint8Array(readFileSync(o.init)), basename(o.init));
  if (init && !init.config) throw new Error(`--init ${o.init}: carries no training config, so its detector is unknown; use the run's export .zip`);
  const imageSize = init?.config?.detr.imageSize ?? detrPreset(o.preset).imageSize;
  return { labels: { name: basename(path), text: readFileSync(path, 'utf8') }, imageSize };
}

async function finetune(o: FinetuneOptions, progress: Progress): Promise<void> {
  const { labels, imageSize } = await readInputs(o);
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const profile = join(out, 'browser-profile');
  rmSync(profile, { recursive: true, force: true });
  for (const name of ['ap.json', 'predictions.json']) rmSync(join(out, name), { force: true });

  progress.start('building the studio');
  const dist = await builtApp();
  progress.end();
  const server = await serve(dist, o.port);
  const browser = await openBrowser({ executable: o.browser, profile, gpu: hasGpu() });
  try {
    const { page } = browser;
    await page.exposeFunction('simdetrRunnerReport', (r: RunnerReport) => {
      if (r.kind === 'ingest') progress.update(r.done, r.total);
      if (r.kind === 'downstream') progress.update(r.point.step, r.totalSteps, `${r.arm}: held-out AP50 ${formatMetric(r.point.ap50)}`);
    });
    const params = new URLSearchParams({
      runner: '1', demo: '0', backend: o.backend, cacheSize: String(imageSize), allowFallbackAdapter: o.backend === 'webgpu' ? '1' : '0',
    });
    await page.goto(`http://127.0.0.1:${o.port}/?${params.toString()}`);
    await page.waitForFunction(() => window.simdetrRunner !== undefined, undefined, { timeout: 60_000 });
    const opened = await page.evaluate(() => window.simdetrRunner!.opened());

    progress.start('ingest', 'files');
    const summary = o.source.kind === 'demo'
      ? await page.evaluate(() => window.simdetrRunner!.ingestDemo())
      : await (async (dir: string) => {
        const before = await page.evaluate(() => window.simdetrRunner!.ingestCount());
        await page.getByTestId('folder-input').setInputFiles(dir);
        return page.evaluate((n) => window.simdetrRunner!.ingestAfter(n), before);
      })(o.source.path);
    progress.end(`${summary.added} added, ${summary.skipped.length} skipped`);
    if (summary.added === 0) throw new Error(`no usable image was found (${summary.skipped.length} files skipped)`);

    if (o.init !== 'none') {
      // The Downstream panel's own input for an exported detector.
      await page.getByRole('tab', { name: 'Downstream' }).click();
      await page.getByTestId('downstream-init').setInputFiles(o.init);
    }
    progress.start(`fine-tuning ${o.init === 'none' ? 'the detector not pretrained' : basename(o.init)}`, 'steps');
    const arm = o.init === 'none' ? 'none' : 'pretrained';
    const result = await page.evaluate(([l, a, s, p]) => window.simdetrRunner!.downstream(l, [a], s, p), [labels, arm, o.settings, o.preset] as const);
    const final = result.arms[0];
    const last = final?.curve.at(-1);
    if (!final || !last) throw new Error('the check ended without an evaluation');
    progress.end(`AP ${formatMetric(last.ap)}, AP50 ${formatMetric(last.ap50)}, AR@100 ${formatMetric(last.ar100)} on ${result.plan.held.length} held-out images`);

    const ap = {
      format: 'simdetr-studio.finetune', init: o.init === 'none' ? 'none' : resolve(o.init), arm,
      ap: last.ap, ap50: last.ap50, ar100: last.ar100, agnosticAp50: last.agnosticAp50, steps: last.step, seed: o.settings.seed,
      settings: o.settings, preset: result.plan.preset, pretrained: result.plan.pretrained, backend: opened.backend.backend,
      train: result.plan.train, held: result.plan.held, categories: result.plan.categories, missing: result.plan.missing, curve: final.curve,
    };
    writeFileSync(join(out, 'predictions.json'), `${JSON.stringify(final.detections)}\n`);
    writeFileSync(join(out, 'ap.json'), `${JSON.stringify(ap, null, 2)}\n`);
  } finally {
    await browser.context.close().catch(() => undefined);
    await new Promise((r) => server.httpServer.close(r));
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  let options: FinetuneOptions | 'help';
  try {
    options = parseFinetuneOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`finetune: ${describeError(err)}\n${err instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress = new Progress();
  try {
    await finetune(options, progress);
    process.stderr.write(`finetune: done; ap.json and predictions.json in ${resolve(options.out)}\n`);
    return 0;
  } catch (err) {
    progress.note('');
    process.stderr.write(`finetune: ${describeError(err)}\n${err instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main();
