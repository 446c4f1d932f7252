// One DETR training step, honest about the GPU (DESIGN §4): tfjs's variableGrads takes synchronous
// functions only, so the step is
//   1. a no-gradient forward pass → every decoder layer's matching costs → ONE readback → Hungarian;
//   2. forward + backward of the set criterion (with aux losses) on those matches;
//   3. AdamW with clipping and the lr schedule;
//   4. ONE readback of [total, class, l1, giou, grad norm], checked with Number.isFinite on the host
//      (GPUs do not promise to propagate NaN).
// The matching pass runs without dropout, so the matched predictions are the model's own; with
// dropout on, the training pass differs from it by its masks only. It costs a second forward pass;
// the bench reports its share as host overhead.
//
// Dimensions: B images, H×W input, Q queries, K pseudo-classes (+1 no object), L decoder layers.

import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CRITERION_CONFIG, setCriterionWithAux, type CriterionConfig } from './criterion';
import { buildDetr, detrForward, detrVariables, disposeDetr, type DetrModel } from './detr';
import type { DetrConfig } from './detrConfig';
import { hungarianMatchLayers, type ImageTargets } from './matcher';
import type { MobileNetV2Weights } from './mobilenetV2';
import { adamWStep, backboneAndRestGroups, createAdamW, disposeAdamW, learningRateFactor, type AdamW } from './optim';
import { NonFiniteCostError } from './hungarian';
import { mixSeed } from './rng';

export interface Trainer {
  readonly config: DetrConfig;
  readonly criterion: CriterionConfig;
  readonly model: DetrModel;
  readonly optimizer: AdamW;
  readonly variables: tf.Variable[];
}

export interface StepStats {
  /** Steps done after this one (1 after the first step). */
  step: number;
  loss: number;
  terms: { class: number; l1: number; giou: number };
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate of the non-backbone group at this step. */
  lr: number;
  /** Milliseconds of the matching pass (forward, readback, Hungarian) and of the whole step. */
  matchMs: number;
  /** Milliseconds of the Hungarian solves alone: host work the GPU waits for. */
  solveMs: number;
  stepMs: number;
}

export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly values: readonly number[]) {
    super(`the loss is not finite at step ${step} (total, class, l1, giou, grad norm = ${values.join(', ')})`);
    this.name = 'NonFiniteLossError';
  }
}

export function createTrainer(config: DetrConfig, encoder: MobileNetV2Weights, criterion: CriterionConfig = DEFAULT_CRITERION_CONFIG): Trainer {
  const model = buildDetr(config, encoder);
  const groups = detrVariables(model);
  const optimizer = createAdamW(config.optim, backboneAndRestGroups(config.optim, groups));
  return { config, criterion, model, optimizer, variables: [...groups.backbone, ...groups.rest] };
}

export function disposeTrainer(t: Trainer): void {
  disposeAdamW(t.optimizer);
  disposeDetr(t.model);
}

/**
 * One step on a batch: images [B, H, W, 3] in [0, 1] and their targets (cxcywh in [0, 1], classes in
 * [0, K)). Throws NonFiniteLossError, after the update, when the loss read back is not finite:
 * the caller restores a checkpoint (the weights may already be damaged).
 */
export async function trainStep(t: Trainer, images: tf.Tensor4D, targets: readonly ImageTargets[]): Promise<StepStats> {
  const start = performance.now();
  const step = t.optimizer.step;
  const seed = mixSeed(t.config.seed, step + 1);
  const matchOutputs = detrForward(t.model, images, { training: false, seed }); // L × {[B,Q,K+1], [B,Q,4]}
  let matches;
  const timing = { solveMs: 0 };
  try {
    matches = await hungarianMatchLayers(matchOutputs.layers, targets, t.criterion, timing);
  } catch (err) {
    // Non-finite matching costs mean non-finite predictions (or targets): the model has diverged.
    if (err instanceof NonFiniteCostError) throw new NonFiniteLossError(step + 1, [Number.NaN]);
    throw err;
  } finally {
    tf.dispose(matchOutputs);
  }
  const matchMs = performance.now() - start;
  const lr = t.config.optim.lr * learningRateFactor(t.config.optim, step);
  let terms: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = detrForward(t.model, images, { training: true, seed });
    const loss = setCriterionWithAux(out.layers, targets, matches, t.criterion);
    terms = [loss.terms.class, loss.terms.l1, loss.terms.giou].map((s) => tf.keep(s));
    return loss.total;
  }, t.variables);
  const norm = adamWStep(t.optimizer, grads);
  const packed = tf.tidy(() => tf.stack([value, ...terms, norm])); // [5]
  tf.dispose([value, grads, norm, terms]);
  const v = Array.from(await packed.data());
  packed.dispose();
  if (!v.every(Number.isFinite)) throw new NonFiniteLossError(step + 1, v);
  const [loss = NaN, cls = NaN, l1 = NaN, giou = NaN, gradNorm = NaN] = v;
  return { step: t.optimizer.step, loss, terms: { class: cls, l1, giou }, gradNorm, lr, matchMs, solveMs: timing.solveMs, stepMs: performance.now() - start };
}

/**
 * The set-prediction loss of a batch without training (no dropout, no update): one matching
 * readback and one loss readback. Checkpoints store it for a fixed batch, so a restored run can
 * show that it continues from exactly the saved state.
 */
export async function evaluateLoss(t: Trainer, images: tf.Tensor4D, targets: readonly ImageTargets[]): Promise<number> {
  const out = detrForward(t.model, images, { training: false });
  try {
    const matches = await hungarianMatchLayers(out.layers, targets, t.criterion);
    const total = tf.tidy(() => setCriterionWithAux(out.layers, targets, matches, t.criterion).total);
    const [v = Number.NaN] = await total.data();
    total.dispose();
    return v;
  } finally {
    tf.dispose(out);
  }
}
