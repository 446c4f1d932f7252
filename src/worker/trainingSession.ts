// Stages 3 and 4 in the worker: pretrain DETR on the proposals and their pseudo-classes (round 0),
// then on its own confident predictions (rounds 1…). Glue only: the step is core/trainer.ts.
// Pause, resume and stop act between steps; events are batched to a few a second.

import * as tf from '@tensorflow/tfjs';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { mulberry32, type Rng } from '../core/rng';
import { detectionsToTargets, predict, proposalsToTargets, type Detections } from '../core/trainData';
import { createTrainer, disposeTrainer, trainStep, type Trainer } from '../core/trainer';
import type { ImageTargets } from '../core/matcher';
import type { ImageStore } from './imageStore';
import type { ImageDetections, StepReport, TrainingConfig, TrainingStatus, WorkerEvent } from './protocol';
import { batchTensor, inputSize, loadTrainingImages, type TrainingImage } from './trainingImages';

const EMIT_MS = 250;
const PREDICT_EVERY_MS = 3000;

export class TrainingSession {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private round = 0;
  private step = 0;
  private totalSteps = 0;

  constructor(
    private readonly config: TrainingConfig,
    private readonly store: ImageStore,
    private readonly encoder: MobileNetV2Weights,
    private readonly emit: (e: WorkerEvent) => void,
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

  private setStatus(status: TrainingStatus, message: string | null = null): void {
    this.emit({ type: 'trainingStatus', status, round: this.round, step: this.step, totalSteps: this.totalSteps, message });
  }

  async run(): Promise<void> {
    this.setStatus('preparing');
    const saved = await this.store.getProposals();
    if (!saved) throw new Error('run the proposals stage first: pretraining learns from its proposals and pseudo-classes');
    const metas = (await this.store.listMetas()).filter((m) => saved.images.some((im) => im.imageId === m.id));
    const byId = new Map(saved.images.map((im) => [im.imageId, im]));
    const size = inputSize(this.config.detr.imageSize);
    const images = await loadTrainingImages(this.store, metas, size);
    let targets = images.map((im) => {
      const p = byId.get(im.meta.id);
      return p ? proposalsToTargets(p.boxes, p.clusters, im.meta.storedWidth, im.meta.storedHeight) : emptyTargets();
    });
    const rounds = this.config.extraRounds + 1;
    this.totalSteps = rounds * this.config.stepsPerRound;
    const trainer = createTrainer({ ...this.config.detr, numClasses: saved.K }, this.encoder);
    try {
      for (this.round = 0; this.round < rounds && !this.stopped; this.round++) {
        this.emit({ type: 'trainingRound', round: this.round, K: saved.K, targets: images.map((im, i) => toPixels(im, targets[i] ?? emptyTargets())) });
        await this.trainRound(trainer, images, targets, size);
        if (this.stopped || this.round === rounds - 1) break;
        this.setStatus('predicting');
        targets = (await this.predictAll(trainer, images, size)).map(detectionsToTargets);
      }
      this.setStatus(this.stopped ? 'stopped' : 'done');
    } finally {
      disposeTrainer(trainer);
    }
  }

  private async trainRound(trainer: Trainer, images: TrainingImage[], targets: ImageTargets[], size: { height: number; width: number }): Promise<void> {
    const rng = mulberry32(this.config.detr.seed + 7919 * this.round);
    const end = (this.round + 1) * this.config.stepsPerRound;
    let pending: StepReport[] = [];
    let lastEmit = performance.now();
    let lastPredict = 0;
    this.setStatus('running');
    while (this.step < end && !this.stopped) {
      if (this.paused) await this.waitWhilePaused();
      if (this.stopped) break;
      const pick = sample(rng, images.length, this.config.batchSize);
      const batch = batchTensor(pick.map((i) => images[i]!), size);
      try {
        const s = await trainStep(trainer, batch, pick.map((i) => targets[i] ?? emptyTargets()));
        this.step += 1;
        pending.push({ step: this.step, round: this.round, loss: s.loss, ...s.terms, lr: s.lr, gradNorm: s.gradNorm, stepMs: s.stepMs, matchMs: s.matchMs });
      } finally {
        batch.dispose();
      }
      const now = performance.now();
      if (now - lastEmit > EMIT_MS || this.step === end) {
        const { numTensors, numBytes } = tf.memory();
        this.emit({ type: 'trainingSteps', steps: pending, memory: { numTensors, numBytes } });
        pending = [];
        lastEmit = now;
      }
      if (now - lastPredict > PREDICT_EVERY_MS) {
        await this.predictPinned(trainer, images, size);
        lastPredict = performance.now();
      }
    }
    await this.predictPinned(trainer, images, size);
  }

  private async waitWhilePaused(): Promise<void> {
    this.setStatus('paused');
    while (this.paused && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    if (!this.stopped) this.setStatus('running');
  }

  private async predictPinned(trainer: Trainer, images: TrainingImage[], size: { height: number; width: number }): Promise<void> {
    const pinned = images.filter((im) => this.config.pinned.includes(im.meta.id));
    if (pinned.length === 0) return;
    const batch = batchTensor(pinned, size);
    const found = await predict(trainer.model, batch, { ...this.config.selfTraining, scoreThreshold: Math.min(0.3, this.config.selfTraining.scoreThreshold) });
    batch.dispose();
    this.emit({ type: 'trainingPredictions', step: this.step, round: this.round, images: pinned.map((im, i) => toPixels(im, found[i] ?? emptyDetections())) });
  }

  private async predictAll(trainer: Trainer, images: TrainingImage[], size: { height: number; width: number }): Promise<Detections[]> {
    const out: Detections[] = [];
    for (let i = 0; i < images.length; i += this.config.batchSize) {
      const batch = batchTensor(images.slice(i, i + this.config.batchSize), size);
      out.push(...(await predict(trainer.model, batch, this.config.selfTraining)));
      batch.dispose();
    }
    return out;
  }
}

function sample(rng: Rng, n: number, k: number): number[] {
  return Array.from({ length: Math.min(k, n) }, () => Math.floor(rng() * n));
}

function emptyTargets(): ImageTargets {
  return { classes: new Int32Array(0), boxes: new Float32Array(0) };
}

function emptyDetections(): Detections {
  return { boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) };
}

/** Targets or detections (cxcywh in [0, 1]) as boxes in the pixels of the image's cached copy. */
function toPixels(im: TrainingImage, d: { boxes: Float32Array; classes: Int32Array; scores?: Float32Array }): ImageDetections {
  const { storedWidth: W, storedHeight: H } = im.meta;
  const boxes = new Float32Array(d.boxes.length);
  for (let i = 0; i < d.boxes.length; i += 4) {
    const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(i, i + 4);
    boxes.set([(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H], i);
  }
  return { imageId: im.meta.id, boxes, classes: Int32Array.from(d.classes), scores: d.scores ? Float32Array.from(d.scores) : new Float32Array(d.classes.length).fill(1) };
}
