// Stages 3 and 4 in the worker: pretrain DETR on the proposals and their pseudo-classes (round 0),
// then on its own confident predictions (rounds 1…). Glue only: the step is core/trainer.ts.
// Pause, resume and stop act between steps; events are batched to a few a second; checkpoints go
// to IndexedDB every few steps, and a non-finite loss rolls back to the last one at half the rate.
// A full disk costs a checkpoint, not the run: training goes on and the previous checkpoint stays.
// interrupt() (the GPU device was lost) ends the run at once and saves nothing: its tensors are gone.

import * as tf from '@tensorflow/tfjs';
import { restoreTrainer, snapshotTrainer, type TrainerSnapshot } from '../core/checkpoint';
import { augmentBatch } from '../core/augment';
import type { ImageTargets } from '../core/matcher';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { mixSeed, mulberry32 } from '../core/rng';
import { bestClasses, keepClasses } from '../core/classSelection';
import { detectionsToTargets, predict, proposalsToTargets } from '../core/trainData';
import { createTrainer, disposeTrainer, evaluateLoss, NonFiniteLossError, trainStep, type Trainer } from '../core/trainer';
import { wasmBatchProblem } from '../core/wasmMemory';
import { StorageFullError, type Checkpoint, type ImageStore } from './imageStore';
import type { StepReport, TrainingConfig, TrainingStatus, WorkerEvent } from './protocol';
import { batchTensor, emptyTargets, inputSize, loadTrainingImages, toPixels, type TrainingImage } from './trainingImages';
import { appendMetrics, metricsUpTo } from './metricsLog';
import { backendMemory } from './backendMemory';
import { keptProposalScores, type RoundLabels } from './runLabels';

const EMIT_MS = 250;
const PREDICT_EVERY_MS = 3000;
/** A run that diverges this often in a row stops instead of halving the rate forever. */
const MAX_ROLLBACKS = 3;

interface RunState {
  trainer: Trainer;
  images: TrainingImage[];
  targets: ImageTargets[];
  /** [image][T] the targets' scores (proposals' or predictions'), for the export; null if unknown. */
  scores: Float32Array[] | null;
  K: number;
  size: { height: number; width: number };
}

export class TrainingSession {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private round = 0;
  private step = 0;
  private totalSteps = 0;
  private lastGood: { step: number; round: number; snapshot: TrainerSnapshot; targets: ImageTargets[] } | null = null;
  private rollbacks = 0;
  /** Every round's targets so far and the step metrics, saved with each checkpoint for the export. */
  private rounds: RoundLabels[] = [];
  private metrics: StepReport[] = [];
  private interrupted = false;
  /** Step of the last checkpoint that reached the disk. */
  private savedStep: number | null = null;
  /** Said once until a save succeeds again: a full disk refuses every checkpoint, not one. */
  private storageFullSaid = false;

  constructor(
    private config: TrainingConfig,
    private readonly store: ImageStore,
    private readonly encoder: MobileNetV2Weights,
    private readonly emit: (e: WorkerEvent) => void,
    private readonly resumeFrom: Checkpoint | null = null,
  ) {}

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Ends the run at the next await without saving: its weights were on a device that is gone. */
  interrupt(): void {
    this.interrupted = true;
    this.stop();
  }

  /** The last step completed. */
  get stepReached(): number {
    return this.step;
  }

  /** Step of the last checkpoint of this run on disk (saved by it or resumed from), or null. */
  get checkpointStep(): number | null {
    return this.savedStep;
  }

  private setStatus(status: TrainingStatus, message: string | null = null): void {
    this.emit({ type: 'trainingStatus', status, round: this.round, step: this.step, totalSteps: this.totalSteps, message });
  }

  async run(): Promise<void> {
    this.setStatus('preparing');
    const s = await this.prepare();
    const rounds = this.config.extraRounds + 1;
    this.totalSteps = rounds * this.config.stepsPerRound;
    try {
      for (; this.round < rounds && !this.stopped; this.round++) {
        this.emit({ type: 'trainingRound', round: this.round, K: s.K, targets: s.images.map((im, i) => toPixels(im, s.targets[i] ?? emptyTargets())) });
        this.rounds = [...this.rounds.filter((r) => r.round < this.round), { round: this.round, targets: s.targets, scores: s.scores }];
        await this.trainRound(s);
        if (this.stopped || this.round === rounds - 1) break;
        this.setStatus('predicting');
        ({ targets: s.targets, scores: s.scores } = await this.predictAll(s));
      }
      if (this.interrupted) return;
      await this.saveCheckpoint(s);
      this.setStatus(this.stopped ? 'stopped' : 'done', this.rollbacks > 0 ? this.rollbackNote() : null);
    } finally {
      disposeTrainer(s.trainer);
    }
  }

  private async prepare(): Promise<RunState> {
    const from = this.resumeFrom;
    // A resumed run trains on its checkpoint's targets: an imported run may have come without proposals.
    const saved = from ? null : await this.store.getProposals();
    if (!from && !saved) throw new Error('run the proposals stage first: pretraining learns from its proposals and pseudo-classes');
    const ids = from?.imageIds ?? saved!.images.map((im) => im.imageId);
    const metas = new Map((await this.store.listMetas()).map((m) => [m.id, m]));
    const missing = ids.filter((id) => !metas.has(id));
    if (missing.length > 0) throw new Error(`${missing.length} images of this run are no longer in the dataset; start a new run`);
    const size = inputSize(this.config.detr.imageSize);
    const tooBig = tf.getBackend() === 'wasm' ? wasmBatchProblem(this.config.detr, size, this.config.batchSize) : null;
    if (tooBig !== null) throw new Error(tooBig);
    const images = await loadTrainingImages(this.store, ids.map((id) => metas.get(id)!), size);
    const K = from?.K ?? saved!.K;
    const trainer = createTrainer({ ...this.config.detr, numClasses: K }, this.encoder);
    if (from) {
      restoreTrainer(trainer, from.snapshot);
      this.step = from.step;
      this.savedStep = from.step;
      this.round = from.round;
      this.lastGood = { step: from.step, round: from.round, snapshot: from.snapshot, targets: from.targets };
      this.rounds = from.rounds ?? [];
      this.metrics = metricsUpTo(from.metrics ?? [], from.step);
      const state = { trainer, images, targets: from.targets, scores: from.rounds?.find((r) => r.round === from.round)?.scores ?? null, K, size };
      this.emit({ type: 'resumed', step: from.step, savedProbeLoss: from.probeLoss, probeLoss: await this.probeLoss(state) });
      return state;
    }
    // Round 0 trains on the proposals of the best-scoring share of the pseudo-classes.
    const kept = bestClasses(saved!.images, this.config.classShare);
    const byId = new Map(saved!.images.map((im) => [im.imageId, { ...im, clusters: keepClasses(im.clusters, kept) }]));
    const targets = images.map((im) => {
      const p = byId.get(im.meta.id);
      return p ? proposalsToTargets(p.boxes, p.clusters, im.meta.storedWidth, im.meta.storedHeight) : emptyTargets();
    });
    return { trainer, images, targets, scores: images.map((im) => keptProposalScores(byId.get(im.meta.id))), K, size };
  }

  private async trainRound(s: RunState): Promise<void> {
    const end = (this.round + 1) * this.config.stepsPerRound;
    let pending: StepReport[] = [];
    let lastEmit = performance.now();
    let lastPredict = 0;
    this.setStatus('running');
    while (this.step < end && !this.stopped) {
      if (this.paused) await this.waitWhilePaused();
      if (this.stopped) break;
      // Each step's batch depends only on the seed and the step, so a resumed run replays it.
      const rng = mulberry32(mixSeed(this.config.detr.seed, this.step + 1));
      const pick = Array.from({ length: Math.min(this.config.batchSize, s.images.length) }, () => Math.floor(rng() * s.images.length));
      const picked = batchTensor(pick.map((i) => s.images[i]!), s.size);
      // The same stream draws each image's flip and crop, so a resumed run replays those too.
      const batch = augmentBatch(picked, pick.map((i) => s.targets[i] ?? emptyTargets()), rng, this.config.augment);
      picked.dispose();
      try {
        const r = await trainStep(s.trainer, batch.images, batch.targets);
        this.step = r.step;
        const report: StepReport = { step: r.step, round: this.round, loss: r.loss, ...r.terms, lr: r.lr, gradNorm: r.gradNorm, stepMs: r.stepMs, matchMs: r.matchMs };
        pending.push(report);
        this.metrics = appendMetrics(this.metrics, [report]);
      } catch (err) {
        if (this.interrupted) return;
        if (!(err instanceof NonFiniteLossError)) throw err;
        await this.rollBack(s, err);
        continue;
      } finally {
        batch.images.dispose();
      }
      if (this.interrupted) return;
      const now = performance.now();
      if (now - lastEmit > EMIT_MS || this.step === end) {
        this.emit({ type: 'trainingSteps', steps: pending, memory: backendMemory() });
        pending = [];
        lastEmit = now;
      }
      if (this.step % this.config.checkpointEvery === 0) await this.saveCheckpoint(s);
      if (now - lastPredict > PREDICT_EVERY_MS) {
        await this.predictPinned(s);
        lastPredict = performance.now();
      }
    }
    if (this.interrupted) return;
    await this.predictPinned(s);
  }

  /** Loss of the first images with their targets, without training. */
  private async probeLoss(s: RunState): Promise<number> {
    const n = Math.min(this.config.batchSize, s.images.length);
    const batch = batchTensor(s.images.slice(0, n), s.size);
    try {
      return await evaluateLoss(s.trainer, batch, s.targets.slice(0, n));
    } finally {
      batch.dispose();
    }
  }

  private async saveCheckpoint(s: RunState): Promise<void> {
    const snapshot = await snapshotTrainer(s.trainer);
    const probeLoss = await this.probeLoss(s);
    // Read back from a device that was lost meanwhile, the weights may be zeros: never save them.
    if (this.interrupted) return;
    this.lastGood = { step: this.step, round: this.round, snapshot, targets: s.targets };
    const c: Checkpoint = {
      config: this.config, K: s.K, step: this.step, round: this.round, imageIds: s.images.map((im) => im.meta.id),
      targets: s.targets, snapshot, probeLoss, savedAt: Date.now(), rounds: this.rounds, metrics: this.metrics,
    };
    try {
      await this.store.putCheckpoint(c);
    } catch (err) {
      if (!(err instanceof StorageFullError)) throw err;
      if (this.storageFullSaid) return;
      this.storageFullSaid = true;
      const kept = this.savedStep === null ? 'no checkpoint of this run is saved yet' : `a resume starts from the checkpoint of step ${this.savedStep}, which is intact`;
      this.emit({ type: 'error', where: 'checkpoint', message: `${err.message}. Training goes on; ${kept}. Free space in the Storage panel.` });
      return;
    }
    this.savedStep = c.step;
    this.storageFullSaid = false;
    this.emit({ type: 'checkpoint', summary: { config: this.config, step: c.step, round: c.round, totalSteps: this.totalSteps, preset: this.config.preset, savedAt: c.savedAt, probeLoss } });
  }

  /** The divergence guard: back to the last good state, at half the learning rate. */
  private async rollBack(s: RunState, err: NonFiniteLossError): Promise<void> {
    this.rollbacks += 1;
    if (!this.lastGood || this.rollbacks > MAX_ROLLBACKS) {
      throw new Error(`${err.message}; ${this.lastGood ? `still diverging after ${MAX_ROLLBACKS} rollbacks` : 'no checkpoint to return to yet'}`);
    }
    const optim = this.config.detr.optim;
    this.config = { ...this.config, detr: { ...this.config.detr, optim: { ...optim, lr: optim.lr / 2, lrBackbone: optim.lrBackbone / 2 } } };
    disposeTrainer(s.trainer);
    s.trainer = createTrainer({ ...this.config.detr, numClasses: s.K }, this.encoder);
    restoreTrainer(s.trainer, this.lastGood.snapshot);
    s.targets = this.lastGood.targets;
    const failedAt = this.step + 1;
    this.step = this.lastGood.step;
    this.metrics = metricsUpTo(this.metrics, this.step);
    this.setStatus('running', `The loss was not finite at step ${failedAt}: back to the checkpoint of step ${this.step}, learning rate halved to ${this.config.detr.optim.lr.toExponential(1)}.`);
  }

  private rollbackNote(): string {
    return `${this.rollbacks} rollback${this.rollbacks === 1 ? '' : 's'} after a non-finite loss; final learning rate ${this.config.detr.optim.lr.toExponential(1)}.`;
  }

  private async waitWhilePaused(): Promise<void> {
    this.setStatus('paused');
    while (this.paused && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    if (!this.stopped) this.setStatus('running');
  }

  private async predictPinned(s: RunState): Promise<void> {
    const pinned = s.images.filter((im) => this.config.pinned.includes(im.meta.id));
    if (pinned.length === 0) return;
    const batch = batchTensor(pinned, s.size);
    // Shown, not trained on: a lower threshold lets the person see what is forming.
    const found = await predict(s.trainer.model, batch, { ...this.config.selfTraining, scoreThreshold: Math.min(0.3, this.config.selfTraining.scoreThreshold) });
    batch.dispose();
    this.emit({ type: 'trainingPredictions', step: this.step, round: this.round, images: pinned.map((im, i) => toPixels(im, found[i] ?? { boxes: new Float32Array(0), classes: new Int32Array(0) })) });
  }

  private async predictAll(s: RunState): Promise<{ targets: ImageTargets[]; scores: Float32Array[] }> {
    const targets: ImageTargets[] = [];
    const scores: Float32Array[] = [];
    for (let i = 0; i < s.images.length; i += this.config.batchSize) {
      const batch = batchTensor(s.images.slice(i, i + this.config.batchSize), s.size);
      const found = await predict(s.trainer.model, batch, this.config.selfTraining);
      targets.push(...found.map(detectionsToTargets));
      scores.push(...found.map((d) => d.scores));
      batch.dispose();
    }
    return { targets, scores };
  }
}
