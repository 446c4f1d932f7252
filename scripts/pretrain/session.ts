// One headless run's stages, driven through the page's window.simdetrRunner (src/runner/api.ts):
// ingest, proposals and pseudo-labels, training with its self-training rounds (or the resume of
// a saved one), then the final detector's predictions and weights. Each stage writes its files as
// soon as it has them, so whatever finished stays in <out> when a later stage fails.
// The callbacks given to page.evaluate run in the page: they stay one-liners on purpose (tsx's
// keepNames would wrap any named helper inside them in a function the page does not have).

import type { Page } from '@playwright/test';
import type { CocoImage } from '../../src/core/cocoFormat';
import type { RunnerOpened, RunnerReport, RunnerTrainingEnd } from '../../src/runner/types';
import type { IngestSummary } from '../../src/worker/protocol';
import { imageIndex, MetricsLog, OUTPUT_FILES, outPath, toCocoFile, writeBytesAtomic, writeJsonAtomic, type ImageIndex } from './outputs';
import type { Progress } from './progress';
import type { RunLog, Stage } from './record';

/** Pieces the weights come over in: well under any message limit of the DevTools pipe. */
const WEIGHT_CHUNK = 8 * 1024 * 1024;
/** A picked folder's files reach the worker in chunks; its ingest starts well within this. */
const PICK_TIMEOUT_MS = 60_000;

export class StageError extends Error {
  constructor(readonly stage: Stage, message: string) {
    super(message);
  }
}

export class Session {
  stage: Stage = 'browser';
  private index: ImageIndex | null = null;
  private readonly metrics: MetricsLog;
  private training = { round: -1, status: '' };
  private trainingTotal = 0;
  private ingestStarted = false;
  private reportFailure: StageError | null = null;

  constructor(
    private readonly page: Page,
    private readonly log: RunLog,
    private readonly progress: Progress,
  ) {
    this.metrics = new MetricsLog(outPath(log.out, OUTPUT_FILES.metrics));
  }

  /**
   * Called by the page (exposeFunction) with every progress report. A failure here (say, a full
   * disk) would otherwise only reject inside the page: it is kept and fails the stage once it ends.
   */
  onReport(r: RunnerReport): void {
    try {
      this.handleReport(r);
    } catch (err) {
      this.reportFailure ??= new StageError(this.stage, `while writing the outputs: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Throws what went wrong in onReport, if anything did. */
  private checkReports(): void {
    if (this.reportFailure) throw this.reportFailure;
  }

  private handleReport(r: RunnerReport): void {
    switch (r.kind) {
      case 'ingest':
        this.ingestStarted = true;
        return this.progress.update(r.done, r.total);
      case 'proposals':
        return this.progress.update(r.done, r.total);
      case 'clustering':
        return this.progress.note(`clustering ${r.proposals} proposals into pseudo-classes…`);
      case 'status':
        return this.onStatus(r);
      case 'steps': {
        this.metrics.append(r.steps);
        const last = r.steps.at(-1);
        if (last) this.progress.update(last.step, this.trainingTotal, `round ${last.round}, loss ${last.loss.toFixed(4)}`);
        return;
      }
      case 'round': {
        const name = OUTPUT_FILES.pseudoLabels(r.round);
        writeJsonAtomic(outPath(this.log.out, name), toCocoFile(this.requireIndex(), r.targets, r.K), true);
        this.log.output(name);
        this.log.save();
        return;
      }
      case 'checkpoint':
        this.log.record.checkpoint = { step: r.step, round: r.round };
        return this.log.save();
      case 'resumed':
        return this.progress.note(`resumed at step ${r.step}: loss of the probe batch ${r.probeLoss} now, ${r.savedProbeLoss} when saved`);
    }
  }

  private onStatus(r: Extract<RunnerReport, { kind: 'status' }>): void {
    this.trainingTotal = r.totalSteps || this.trainingTotal;
    if (r.status === this.training.status && r.round === this.training.round) return;
    if (r.status === 'predicting') this.progress.start(`self-training: predicting round ${r.round + 1}'s targets`);
    if (r.status === 'running' && (this.training.status !== 'running' || r.round !== this.training.round)) {
      this.progress.start(`training round ${r.round}`, 'steps');
    }
    if (r.message) this.progress.note(r.message);
    this.training = { round: r.round, status: r.status };
  }

  private requireIndex(): ImageIndex {
    if (!this.index) throw new Error('the image list is not known yet');
    return this.index;
  }

  async open(): Promise<RunnerOpened> {
    await this.page.waitForFunction(() => window.simdetrRunner !== undefined, undefined, { timeout: 60_000 }).catch(() => {
      throw new Error('the page did not expose window.simdetrRunner within 60 s (was it opened with ?runner=1?)');
    });
    const opened = await this.page.evaluate(() => window.simdetrRunner!.opened());
    this.index = imageIndex(opened.images);
    return opened;
  }

  async ingest(source: { kind: 'demo' } | { kind: 'folder'; path: string }): Promise<{ summary: IngestSummary; images: CocoImage[] }> {
    this.stage = 'ingest';
    this.progress.start('ingest', 'files');
    const summary = source.kind === 'demo' ? await this.page.evaluate(() => window.simdetrRunner!.ingestDemo()) : await this.pickFolder(source.path);
    this.index = imageIndex(await this.page.evaluate(() => window.simdetrRunner!.images()));
    this.log.addTime('ingest', this.progress.end(`${summary.added} added, ${summary.skipped.length} skipped`));
    return { summary, images: this.index.coco };
  }

  /** The folder through the studio's own folder picker; fails if the picker hands it no file. */
  private async pickFolder(path: string): Promise<IngestSummary> {
    const before = await this.page.evaluate(() => window.simdetrRunner!.ingestCount());
    this.ingestStarted = false;
    await this.page.getByTestId('folder-input').setInputFiles(path);
    const picked = Date.now();
    const done = this.page.evaluate((n) => window.simdetrRunner!.ingestAfter(n), before);
    done.catch(() => undefined); // if the guard below wins, the page closes under this call
    let timer: NodeJS.Timeout | undefined;
    const nothingPicked = new Promise<never>((_, reject) => {
      timer = setInterval(() => {
        if (this.ingestStarted || Date.now() - picked < PICK_TIMEOUT_MS) return;
        reject(new StageError('ingest', `--images ${path}: the browser's folder picker handed the studio no files within ${PICK_TIMEOUT_MS / 1000} s`));
      }, 500);
    });
    try {
      return await Promise.race([done, nothingPicked]);
    } finally {
      clearInterval(timer);
    }
  }

  async proposals(): Promise<void> {
    this.stage = 'proposals';
    this.progress.start('proposals', 'images');
    const config = this.log.record.plan.proposals;
    const result = await this.page.evaluate((c) => window.simdetrRunner!.proposals(c), config);
    this.checkReports();
    const count = result.images.reduce((n, im) => n + im.scores.length, 0);
    const file = toCocoFile(this.requireIndex(), result.images.map((im) => ({ ...im, classes: im.clusters })), result.K);
    writeJsonAtomic(outPath(this.log.out, OUTPUT_FILES.proposals), file, true);
    this.log.output(OUTPUT_FILES.proposals);
    this.log.record.proposals = { count, K: result.K, note: result.note };
    this.log.addTime('proposals', this.progress.end(`${count} proposals, K = ${result.K}`));
    if (result.note) this.progress.note(result.note);
    this.log.save();
  }

  /** Trains from the start, or continues the saved checkpoint's run at `resumeFrom`. */
  async train(resumeFrom: number | null): Promise<RunnerTrainingEnd> {
    this.stage = 'training';
    const start = performance.now();
    this.log.output(OUTPUT_FILES.metrics);
    if (resumeFrom === null) this.metrics.start();
    else this.metrics.keepUpTo(resumeFrom);
    const plan = this.log.record.plan;
    const end = resumeFrom === null
      ? await this.page.evaluate((c) => window.simdetrRunner!.train(c), plan.training)
      : await this.page.evaluate(() => window.simdetrRunner!.resume());
    this.progress.end(`${end.status} at step ${end.step}`);
    this.checkReports();
    this.log.addTime('training', (performance.now() - start) / 1000);
    if (end.status !== 'done') throw new StageError('training', `training ${end.status} at step ${end.step}${end.message ? `: ${end.message}` : ''}`);
    return end;
  }

  async finalModel(): Promise<void> {
    this.stage = 'predictions';
    this.progress.start('final predictions and weights');
    const filter = this.log.record.plan.predictions;
    const final = await this.page.evaluate((f) => window.simdetrRunner!.finalModel(f), filter);
    const file = toCocoFile(this.requireIndex(), final.predictions, final.K);
    writeJsonAtomic(outPath(this.log.out, OUTPUT_FILES.predictions), file, true);
    const bytes = new Uint8Array(final.weightBytes);
    for (let offset = 0; offset < final.weightBytes; offset += WEIGHT_CHUNK) {
      const piece = await this.page.evaluate(([o, n]) => window.simdetrRunner!.weights(o, n), [offset, WEIGHT_CHUNK] as const);
      bytes.set(piece, offset);
    }
    writeBytesAtomic(outPath(this.log.out, OUTPUT_FILES.weights), bytes);
    this.log.output(OUTPUT_FILES.predictions);
    this.log.output(OUTPUT_FILES.weights);
    this.log.record.final = { step: final.step, round: final.round, K: final.K, predictions: file.length };
    this.log.addTime('predictions', this.progress.end(`${file.length} predictions, ${(final.weightBytes / 1e6).toFixed(1)} MB of weights`));
    this.log.save();
  }
}
