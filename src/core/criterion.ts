// DETR's SetCriterion (detr models/detr.py; sigmoid focal loss from Deformable DETR): given the
// Hungarian matches of a batch, a class loss over all queries (unmatched ones learn "no object")
// plus L1 and GIoU box losses on the matched pairs only.
// It runs inside tf.variableGrads, so it is synchronous and takes the matches as plain index
// arrays computed beforehand (matcher.ts). Everything that depends only on the matches (target
// classes, gather indices, matched target boxes) is built on the host; only tf ops with a
// gradient touch the outputs: slice, gather (not gatherND), logSoftmax, sigmoid, abs, min/max.
//
// Dimensions: B images, Q queries, T targets of one image, M matched pairs in the batch, K
// pseudo-classes plus "no object" (index K), L decoder layers. Boxes are cxcywh in [0, 1].
import * as tf from '@tensorflow/tfjs';
import { boxCxcywhToXyxy, pairedGeneralizedBoxIou } from './boxes';
import { addAll } from './addAll';
import { checkBatch, type DetrOutputs, type ImageTargets, type Match, type MatchCostConfig } from './matcher';

export interface CriterionConfig extends MatchCostConfig {
  /** Weight of the class loss in the total. */
  weightClass: number;
  /** Weight of the L1 box loss in the total. */
  weightL1: number;
  /** Weight of the GIoU box loss (1 − GIoU) in the total. */
  weightGiou: number;
  /** Cross-entropy weight of the "no object" class: most queries are unmatched (ignored by focal). */
  noObjectWeight: number;
}

/** DESIGN §1 stage 3: match costs 2 / 5 / 2, loss weights 2 / 5 / 2, no-object 0.1. */
export const DEFAULT_CRITERION_CONFIG: CriterionConfig = {
  costClass: 2,
  costL1: 5,
  costGiou: 2,
  weightClass: 2,
  weightL1: 5,
  weightGiou: 2,
  noObjectWeight: 0.1,
  loss: 'ce',
  focalAlpha: 0.25,
  focalGamma: 2,
};

/** Unweighted loss terms; total = weightClass·class + weightL1·l1 + weightGiou·giou. */
export type LossTerms = { class: tf.Scalar; l1: tf.Scalar; giou: tf.Scalar };
export type CriterionOutput = { total: tf.Scalar; terms: LossTerms };

/** The matches of a batch, flattened on the host into what the tensor ops need. */
interface MatchedPairs {
  /** [B·Q] class id every query should predict; K for unmatched queries. */
  targetClass: Int32Array;
  /** [M] row b·Q + q of each matched query in the flattened [B·Q, 4] boxes. */
  srcIdx: Int32Array;
  /** [M·4] the matched targets' cxcywh boxes, in srcIdx order. */
  tgtBoxes: Float32Array;
  /** Targets in the batch, at least 1: detr normalises the box (and focal) losses by it. */
  numBoxes: number;
}

function flattenMatches(
  Q: number,
  K: number,
  targets: readonly ImageTargets[],
  matches: readonly Match[],
): MatchedPairs {
  if (matches.length !== targets.length) {
    throw new Error(`expected matches for ${targets.length} images, got ${matches.length}`);
  }
  const targetClass = new Int32Array(targets.length * Q).fill(K);
  const M = matches.reduce((n, m) => n + m.queryIdx.length, 0);
  const srcIdx = new Int32Array(M);
  const tgtBoxes = new Float32Array(M * 4);
  let k = 0;
  matches.forEach((m, b) => {
    const t = targets[b] as ImageTargets; // lengths checked above
    const T = t.classes.length;
    if (m.targetIdx.length !== m.queryIdx.length) {
      const [nq, nt] = [m.queryIdx.length, m.targetIdx.length];
      throw new Error(`image ${b}: expected as many target as query indices, got ${nt} and ${nq}`);
    }
    m.queryIdx.forEach((q, i) => {
      const j = m.targetIdx[i] ?? -1;
      if (!(q >= 0 && q < Q && j >= 0 && j < T)) {
        throw new Error(`image ${b}: expected a query in [0, ${Q}) and a target in [0, ${T}), got ${q} and ${j}`);
      }
      targetClass[b * Q + q] = t.classes[j] ?? K;
      srcIdx[k] = b * Q + q;
      tgtBoxes.set(t.boxes.subarray(4 * j, 4 * j + 4), 4 * k);
      k++;
    });
  });
  const numBoxes = Math.max(1, targets.reduce((n, t) => n + t.classes.length, 0));
  return { targetClass, srcIdx, tgtBoxes, numBoxes };
}

/** detr's loss_labels: cross-entropy with class weights, as a weighted mean over all queries. */
function crossEntropy(logits: tf.Tensor2D, pairs: MatchedPairs, cfg: CriterionConfig): tf.Scalar {
  const [N, K1] = logits.shape;
  const weight = Float32Array.from(pairs.targetClass, (c) => (c === K1 - 1 ? cfg.noObjectWeight : 1)); // [B·Q]
  const weightSum = weight.reduce((s, w) => s + w, 0);
  const target = tf.oneHot(tf.tensor1d(pairs.targetClass, 'int32'), K1); // [B·Q, K+1] int32
  const weighted = tf.mul(tf.cast(target, 'float32'), tf.tensor2d(weight, [N, 1])); // [B·Q, K+1]
  return tf.div(tf.neg(tf.sum(tf.mul(weighted, tf.logSoftmax(logits)))), weightSum);
}

/**
 * Deformable DETR's sigmoid focal loss over the K real classes, normalised by the number of
 * targets. The "no object" logit is left out (it gets no gradient): with sigmoids, an unmatched
 * query is one whose K class probabilities are all low.
 */
function focalLoss(logits: tf.Tensor2D, pairs: MatchedPairs, cfg: CriterionConfig): tf.Scalar {
  const [N, K1] = logits.shape;
  const x = tf.slice(logits, [0, 0], [N, K1 - 1]); // [B·Q, K]
  const onehot = tf.oneHot(tf.tensor1d(pairs.targetClass, 'int32'), K1); // [B·Q, K+1] int32
  const t = tf.cast(tf.slice(onehot, [0, 0], [N, K1 - 1]), 'float32'); // [B·Q, K] 0/1
  const p = tf.sigmoid(x); // [B·Q, K]
  // Binary cross-entropy with logits in its stable form: max(x, 0) − x·t + log(1 + e^−|x|).
  const ce = tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), tf.log1p(tf.exp(tf.neg(tf.abs(x))))); // [B·Q, K]
  const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t))); // [B·Q, K]
  const alphaT = tf.add(tf.mul(cfg.focalAlpha, t), tf.mul(1 - cfg.focalAlpha, tf.sub(1, t))); // [B·Q, K]
  const loss = tf.mul(alphaT, tf.mul(ce, tf.pow(tf.sub(1, pt), cfg.focalGamma))); // [B·Q, K]
  return tf.div(tf.sum(loss), pairs.numBoxes);
}

/** detr's loss_boxes: L1 and 1 − GIoU of the matched pairs, each summed and divided by numBoxes. */
function boxLosses(boxes: tf.Tensor2D, pairs: MatchedPairs): { l1: tf.Scalar; giou: tf.Scalar } {
  const M = pairs.srcIdx.length;
  if (M === 0) {
    // Zero, but still a function of the boxes, so variableGrads returns a (zero) gradient for every
    // box variable as PyTorch would; zero-size tensors themselves break tfjs's CPU split.
    return { l1: tf.mul<tf.Scalar>(tf.sum(boxes), 0), giou: tf.mul<tf.Scalar>(tf.sum(boxes), 0) };
  }
  // Rows picked by a one-hot matMul, not gather: gather's gradient needs UnsortedSegmentSum, which
  // the wasm backend lacks; M × B·Q stays small (a few hundred by a few thousand).
  // tf.oneHot wants a depth of at least 2, which one image with one query does not have.
  const N = boxes.shape[0];
  const pick = tf.slice(tf.oneHot(tf.tensor1d(pairs.srcIdx, 'int32'), Math.max(2, N)), [0, 0], [M, N]); // [M, B·Q] int32
  const src = tf.matMul<tf.Tensor2D>(tf.cast(pick, 'float32'), boxes); // [M, 4] cxcywh
  const tgt = tf.tensor2d(pairs.tgtBoxes, [M, 4]); // [M, 4] cxcywh
  const l1 = tf.div<tf.Scalar>(tf.sum(tf.abs(tf.sub(src, tgt))), pairs.numBoxes);
  // detr takes the diagonal of the pairwise GIoU; the pairs' own GIoU is that diagonal.
  const diag = pairedGeneralizedBoxIou(boxCxcywhToXyxy(src), boxCxcywhToXyxy(tgt)); // [M]
  const giou = tf.div<tf.Scalar>(tf.sum(tf.sub(1, diag)), pairs.numBoxes);
  return { l1, giou };
}

/**
 * The set-prediction loss of one decoder layer. Synchronous and differentiable in outputs.logits
 * and outputs.boxes; `matches` come from hungarianMatch on the same outputs.
 */
export function setCriterion(
  outputs: DetrOutputs,
  targets: readonly ImageTargets[],
  matches: readonly Match[],
  cfg: CriterionConfig,
): CriterionOutput {
  const { B, Q, K } = checkBatch(outputs, targets);
  const pairs = flattenMatches(Q, K, targets, matches);
  return tf.tidy(() => {
    const logits = tf.reshape<tf.Rank.R2>(outputs.logits, [B * Q, K + 1]); // [B·Q, K+1]
    const boxes = tf.reshape<tf.Rank.R2>(outputs.boxes, [B * Q, 4]); // [B·Q, 4] cxcywh in [0,1]
    const cls = cfg.loss === 'ce' ? crossEntropy(logits, pairs, cfg) : focalLoss(logits, pairs, cfg);
    const { l1, giou } = boxLosses(boxes, pairs);
    return { total: weighted(cls, l1, giou, cfg), terms: { class: cls, l1, giou } };
  });
}

/**
 * detr's auxiliary losses: the same criterion on every decoder layer's outputs, each with its own
 * matching (hungarianMatchLayers), summed. Terms are summed over layers too, so that the total
 * stays the weighted sum of the terms.
 */
export function setCriterionWithAux(
  layerOutputs: readonly DetrOutputs[],
  targets: readonly ImageTargets[],
  matchesPerLayer: readonly (readonly Match[])[],
  cfg: CriterionConfig,
): CriterionOutput {
  if (layerOutputs.length === 0 || matchesPerLayer.length !== layerOutputs.length) {
    const [L, got] = [layerOutputs.length, matchesPerLayer.length];
    throw new Error(`expected matches for each of ${L} (≥ 1) layers, got ${got}`);
  }
  return tf.tidy(() => {
    const layers = layerOutputs.map((o, l) => setCriterion(o, targets, matchesPerLayer[l] ?? [], cfg));
    const sum = (pick: (c: CriterionOutput) => tf.Scalar): tf.Scalar => addAll(layers.map(pick)) as tf.Scalar;
    const terms = { class: sum((c) => c.terms.class), l1: sum((c) => c.terms.l1), giou: sum((c) => c.terms.giou) };
    return { total: weighted(terms.class, terms.l1, terms.giou, cfg), terms };
  });
}

function weighted(cls: tf.Scalar, l1: tf.Scalar, giou: tf.Scalar, cfg: CriterionConfig): tf.Scalar {
  const w = (t: tf.Scalar, weight: number): tf.Scalar => tf.mul(t, weight);
  return tf.addN([w(cls, cfg.weightClass), w(l1, cfg.weightL1), w(giou, cfg.weightGiou)]);
}
