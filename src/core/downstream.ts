// The downstream check (DESIGN §1 stage 5, the paper's first finding): does the pretraining help a
// detector trained on few labels? A seeded split keeps a fraction of the labeled images for
// fine-tuning and holds out the rest; each arm fine-tunes with the same schedule, seed and batches,
// (a) from the pretrained weights with a fresh class head (the labels' classes are not the
// pseudo-classes) and (b) the same detector not pretrained; COCO AP on the held-out images is
// measured every few steps. The studio's worker, the headless runner and `npm run eval:downstream`
// all run this code; they differ only in where the pixels come from (`DownstreamImages`).

import * as tf from '@tensorflow/tfjs';
import { augmentBatch, NO_AUGMENT, type AugmentConfig } from './augment';
import { cocoEvaluate, type CocoEvalDetection } from './cocoEval';
import type { CocoAnnotation, CocoDataset } from './cocoFormat';
import type { DetrConfig } from './detrConfig';
import { loadDetrTensors, namedDetrVariables } from './detrNames';
import type { ImageTargets } from './matcher';
import type { MobileNetV2Weights } from './mobilenetV2';
import { mixSeed, mulberry32 } from './rng';
import { predict } from './trainData';
import { createTrainer, disposeTrainer, trainStep, type Trainer } from './trainer';
import type { WeightMap } from './weightMap';

export interface LabeledImage {
  id: number;
  fileName: string;
  /** Original pixels, which the annotations' boxes are in. */
  width: number;
  height: number;
  annotations: CocoAnnotation[];
  /** cxcywh in [0, 1]; classes index `categoryIds`. Crowd boxes are not trained on, as in detr. */
  targets: ImageTargets;
  /** Class index → COCO category id. */
  categoryIds: readonly number[];
}

export interface Split {
  train: LabeledImage[];
  held: LabeledImage[];
  numClasses: number;
}

export type DownstreamArm = 'pretrained' | 'none';

export interface DownstreamSettings {
  /** Share of the labeled images that fine-tune; the rest are held out. */
  trainFraction: number;
  steps: number;
  evalEvery: number;
  batchSize: number;
  /** lr of the transformer and heads; the backbone gets a tenth, as in pretraining. */
  lr: number;
  seed: number;
  /**
   * What fine-tunes: 'all' the weights, or only the 'heads' (class and box) on the frozen backbone
   * and transformer, the few-label protocol that keeps what the pretraining learned.
   */
  tune: 'all' | 'heads';
  /** Flips and crops of the fine-tuning images, as in pretraining. */
  augment: AugmentConfig;
}

/**
 * The few-label protocol: heads only, since with a handful of labeled images fine-tuning every
 * weight memorises them and both detectors score 0 on the held-out ones (measured on the demo's 8).
 */
export const DEFAULT_DOWNSTREAM: DownstreamSettings = { trainFraction: 0.1, steps: 600, evalEvery: 150, batchSize: 4, lr: 1e-3, seed: 0, tune: 'heads', augment: NO_AUGMENT };

/** Name prefixes of the heads (core/detrNames.ts). */
const HEADS = ['class_embed.', 'bbox_embed.'];

/** One evaluation on the held-out images. */
export interface DownstreamPoint {
  step: number;
  /** Training loss of the step just taken. */
  loss: number;
  ap: number;
  ap50: number;
  ar100: number;
  /** AP50 with every class merged: were the objects found, whatever they were called. */
  agnosticAp50: number;
}

export interface ArmResult {
  arm: DownstreamArm;
  curve: DownstreamPoint[];
  /** The last evaluation's detections on the held-out images (original pixels, labels' category ids). */
  detections: CocoEvalDetection[];
}

/** A metric in [0, 1] as text: 3 decimals, or 2 significant digits below 0.01 (a small AP is not 0.000). */
export function formatMetric(v: number): string {
  return v === 0 || !Number.isFinite(v) || Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toPrecision(2);
}

/** Where each arm's pixels come from: [B, H, W, 3] in [0, 1] at the detector's input size. */
export interface DownstreamImages {
  batch(set: 'train' | 'held', indices: readonly number[]): tf.Tensor4D;
}

/** ceil(fraction · N) images (at least 1, at most N − 1) train; the order comes from a seeded shuffle. */
export function splitImages(data: CocoDataset, fraction: number, seed: number): Split {
  if (data.images.length < 2) throw new Error(`the downstream check needs at least 2 labeled images, got ${data.images.length}`);
  const categoryIds = [...data.categories].map((c) => c.id).sort((a, b) => a - b);
  const classOf = new Map(categoryIds.map((id, i) => [id, i]));
  const labeled = [...data.images]
    .sort((a, b) => a.id - b.id)
    .map((im): LabeledImage => {
      const annotations = data.annotations.filter((a) => a.image_id === im.id);
      const trained = annotations.filter((a) => a.iscrowd === 0);
      const boxes = trained.flatMap(({ bbox: [x, y, w, h] }) => [(x + w / 2) / im.width, (y + h / 2) / im.height, w / im.width, h / im.height]);
      const targets = { classes: Int32Array.from(trained, (a) => classOf.get(a.category_id) ?? 0), boxes: Float32Array.from(boxes) };
      return { id: im.id, fileName: im.file_name, width: im.width, height: im.height, annotations, targets, categoryIds };
    });
  const rng = mulberry32(mixSeed(seed, 5));
  for (let i = labeled.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [labeled[i], labeled[j]] = [labeled[j]!, labeled[i]!];
  }
  const n = Math.min(labeled.length - 1, Math.max(1, Math.ceil(fraction * labeled.length)));
  return { train: labeled.slice(0, n), held: labeled.slice(n), numClasses: categoryIds.length };
}

/** Images predicted at once when evaluating. */
const EVAL_BATCH = 8;

/** COCO metrics of the detector on the held-out images, and its detections (at most 100 per image). */
export async function evaluateHeld(model: Trainer['model'], split: Split, images: DownstreamImages): Promise<{ point: Omit<DownstreamPoint, 'step' | 'loss'>; detections: CocoEvalDetection[] }> {
  const detections: CocoEvalDetection[] = [];
  for (let i = 0; i < split.held.length; i += EVAL_BATCH) {
    const chunk = split.held.slice(i, i + EVAL_BATCH);
    const batch = images.batch('held', chunk.map((_, j) => i + j));
    const found = await predict(model, batch, { scoreThreshold: 0, nmsIou: 1, maxPerImage: 100 }).finally(() => batch.dispose());
    found.forEach((d, j) => {
      const im = chunk[j]!;
      d.scores.forEach((score, k) => {
        const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(k * 4, k * 4 + 4);
        const x = Math.max(0, (cx - w / 2) * im.width), y = Math.max(0, (cy - h / 2) * im.height);
        const bbox = [x, y, Math.min(im.width, (cx + w / 2) * im.width) - x, Math.min(im.height, (cy + h / 2) * im.height) - y] as const;
        detections.push({ image_id: im.id, category_id: im.categoryIds[d.classes[k] ?? 0] ?? -1, bbox, score });
      });
    });
  }
  const gt = { images: split.held.map((im) => ({ id: im.id })), annotations: split.held.flatMap((im) => im.annotations) };
  const m = cocoEvaluate(gt, detections);
  return { point: { ap: m.ap, ap50: m.ap50, ar100: m.ar100, agnosticAp50: cocoEvaluate(gt, detections, { classAgnostic: true }).ap50 }, detections };
}

/**
 * The trainer that updates what `tune` says: itself, or a view whose trainable variables are the
 * heads only (frozen weights get no gradient, and AdamW leaves a weight without one as it is).
 */
export function tuned(t: Trainer, tune: DownstreamSettings['tune']): Trainer {
  if (tune === 'all') return t;
  const heads = new Set(namedDetrVariables(t.model).filter(([name]) => HEADS.some((h) => name.startsWith(h))).map(([, v]) => v));
  return { ...t, variables: t.variables.filter((v) => heads.has(v)) };
}

export interface FineTuneHooks {
  /** After each evaluation, with the curve so far. */
  onPoint?(point: DownstreamPoint): void;
  /** Checked before every step: true ends the arm (it throws DownstreamCancelled). */
  isCancelled?(): boolean;
}

export class DownstreamCancelled extends Error {
  constructor() {
    super('the downstream check was cancelled');
    this.name = 'DownstreamCancelled';
  }
}

/**
 * Fine-tunes one arm and evaluates it every `evalEvery` steps and at the end. `pretrained` holds the
 * weights of a detector of the same architecture by name (core/detrNames.ts); its class head is not loaded.
 * The batches depend on the seed only, so both arms see the same ones.
 */
export async function fineTuneArm(
  config: DetrConfig,
  encoder: MobileNetV2Weights,
  pretrained: WeightMap | null,
  split: Split,
  images: DownstreamImages,
  settings: DownstreamSettings,
  hooks: FineTuneHooks = {},
): Promise<ArmResult> {
  const cfg: DetrConfig = { ...config, numClasses: split.numClasses, optim: { ...config.optim, lr: settings.lr, lrBackbone: settings.lr / 10 } };
  const full = createTrainer(cfg, encoder);
  const trainer = tuned(full, settings.tune);
  try {
    if (pretrained) loadDetrTensors(trainer.model, pretrained, { keepFresh: ['class_embed.'] });
    const rng = mulberry32(mixSeed(settings.seed, 11));
    const arm: ArmResult = { arm: pretrained ? 'pretrained' : 'none', curve: [], detections: [] };
    for (let step = 1; step <= settings.steps; step++) {
      if (hooks.isCancelled?.()) throw new DownstreamCancelled();
      const pick = Array.from({ length: settings.batchSize }, () => Math.floor(rng() * split.train.length));
      const picked = images.batch('train', pick); // [B, H, W, 3]
      const batch = augmentBatch(picked, pick.map((i) => split.train[i]!.targets), rng, settings.augment);
      picked.dispose();
      const { loss } = await trainStep(trainer, batch.images, batch.targets).finally(() => batch.images.dispose());
      if (step % settings.evalEvery === 0 || step === settings.steps) {
        const { point, detections } = await evaluateHeld(trainer.model, split, images);
        const p = { step, loss, ...point };
        arm.curve.push(p);
        arm.detections = detections;
        hooks.onPoint?.(p);
      }
    }
    return arm;
  } finally {
    disposeTrainer(full);
  }
}

export interface LabelMatch {
  /** The labels restricted to the images found in the dataset. */
  dataset: CocoDataset;
  /** COCO image id → index into the dataset's paths. */
  imageOf: Map<number, number>;
  /** file_name of labeled images the dataset does not hold. */
  missing: string[];
}

const normalise = (p: string) => p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The labeled images among the dataset's: a COCO `file_name` names the dataset image with the same
 * path, or else the one whose path ends with it, or else the only one with the same file name
 * (labels written for a folder are often relative to another root). Two labeled images on one
 * dataset image is an error, as is a file with no image in the dataset at all.
 */
export function matchLabels(labels: CocoDataset, paths: readonly string[]): LabelMatch {
  const norm = paths.map(normalise);
  const exact = new Map(norm.map((p, i) => [p, i]));
  const byBase = new Map<string, number[]>();
  norm.forEach((p, i) => byBase.set(baseName(p), [...(byBase.get(baseName(p)) ?? []), i]));
  const imageOf = new Map<number, number>();
  const taken = new Map<number, string>();
  const missing: string[] = [];
  for (const im of labels.images) {
    const name = normalise(im.file_name);
    const suffix = norm.map((p, i) => [p, i] as const).filter(([p]) => p.endsWith(`/${name}`));
    const sameBase = byBase.get(baseName(name)) ?? [];
    const found = exact.get(name) ?? (suffix.length === 1 ? suffix[0]![1] : sameBase.length === 1 ? sameBase[0] : undefined);
    if (found === undefined) {
      missing.push(im.file_name);
      continue;
    }
    const before = taken.get(found);
    if (before !== undefined) throw new Error(`labels: "${before}" and "${im.file_name}" both name the dataset image "${paths[found]}"`);
    taken.set(found, im.file_name);
    imageOf.set(im.id, found);
  }
  if (imageOf.size === 0) {
    throw new Error(`labels: none of the ${labels.images.length} labeled images is in the dataset (the first is "${labels.images[0]?.file_name ?? ''}"); add their folder first`);
  }
  const images = labels.images.filter((im) => imageOf.has(im.id));
  const annotations = labels.annotations.filter((a) => imageOf.has(a.image_id));
  return { dataset: { images, categories: labels.categories, annotations }, imageOf, missing };
}
