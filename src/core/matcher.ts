// DETR's HungarianMatcher (detr models/matcher.py; focal class cost from Deformable DETR): a
// one-to-one pairing of predictions with targets per image, minimising
//   wClass · classCost + wL1 · ‖box − target‖₁ − wGiou · GIoU(box, target).
// tfjs's variableGrads takes synchronous functions only, so matching is its own async step before
// the differentiable loss: the cost matrices of all images (and all decoder layers) are built in one
// no-gradient GPU pass, read back with one `await data()`, and solved on the host.
//
// Dimensions: B images, Q queries, T targets of one image, S = ΣT over the batch, K pseudo-classes
// plus one "no object" logit (index K), L decoder layers. Boxes are cxcywh in [0, 1].
import * as tf from '@tensorflow/tfjs';
import { boxCxcywhToXyxy, generalizedBoxIou } from './boxes';
import { linearSumAssignment } from './hungarian';

/** The boxes and classes of one image, plain data so that they can cross the worker boundary. */
export interface ImageTargets {
  /** [T] class ids in [0, K). */
  classes: Int32Array;
  /** [T·4] cxcywh in [0, 1], row-major. */
  boxes: Float32Array;
}

/** What a DETR decoder layer predicts for a batch (a type, so that it is a tf.TensorContainer). */
export type DetrOutputs = {
  /** [B, Q, K+1] class logits; index K is "no object". */
  logits: tf.Tensor3D;
  /** [B, Q, 4] cxcywh in [0, 1] (after the sigmoid). */
  boxes: tf.Tensor3D;
};

/** Matched pairs of one image: query queryIdx[i] predicts target targetIdx[i]; queries ascending. */
export interface Match {
  queryIdx: Int32Array;
  targetIdx: Int32Array;
}

export type ClassLoss = 'ce' | 'focal';

/** The matcher's own sub-config; the criterion's config extends it. */
export interface MatchCostConfig {
  /** Weight of the class cost (−probability of the target class, or the focal cost). */
  costClass: number;
  /** Weight of the L1 distance between cxcywh boxes. */
  costL1: number;
  /** Weight of −GIoU, which, unlike L1, does not depend on the box's scale. */
  costGiou: number;
  /** 'ce': softmax over K+1 classes (detr); 'focal': per-class sigmoids (Deformable DETR). */
  loss: ClassLoss;
  /** Focal α: the weight of positives against the many negatives. */
  focalAlpha: number;
  /** Focal γ: how much confidently right predictions are down-weighted. */
  focalGamma: number;
}

/** Checks that outputs and targets describe the same batch; returns B, Q and K. */
export function checkBatch(
  outputs: DetrOutputs,
  targets: readonly ImageTargets[],
): { B: number; Q: number; K: number } {
  const [B, Q, K1] = outputs.logits.shape;
  const [bB, bQ, four] = outputs.boxes.shape;
  if (bB !== B || bQ !== Q || four !== 4) {
    throw new Error(`expected boxes of shape [${B}, ${Q}, 4] to go with the logits, got [${outputs.boxes.shape}]`);
  }
  if (targets.length !== B) throw new Error(`expected targets for ${B} images, got ${targets.length}`);
  const K = K1 - 1;
  targets.forEach((t, b) => {
    if (t.boxes.length !== 4 * t.classes.length) {
      const T = t.classes.length;
      throw new Error(`image ${b}: expected ${4 * T} box values for ${T} classes, got ${t.boxes.length}`);
    }
    const bad = t.classes.find((c) => !(c >= 0 && c < K));
    if (bad !== undefined) throw new Error(`image ${b}: expected class ids in [0, ${K}), got ${bad}`);
  });
  return { B, Q, K };
}

/** Class cost of every prediction for every target: [N, K+1] logits × S ids → [N, S]. */
function classCost(logits: tf.Tensor2D, ids: tf.Tensor1D, cfg: MatchCostConfig): tf.Tensor2D {
  if (cfg.loss === 'ce') {
    // detr approximates −log p by −p: the constant offset does not change the matching.
    return tf.neg(tf.gather(tf.softmax(logits), ids, 1)); // [N, S]
  }
  const p = tf.gather(tf.sigmoid(logits), ids, 1); // [N, S]
  const eps = 1e-8; // log guard, as in Deformable DETR
  const q = tf.sub(1, p); // [N, S]
  const pos = tf.mul(tf.mul(cfg.focalAlpha, tf.pow(q, cfg.focalGamma)), tf.neg(tf.log(tf.add(p, eps)))); // [N, S]
  const neg = tf.mul(tf.mul(1 - cfg.focalAlpha, tf.pow(p, cfg.focalGamma)), tf.neg(tf.log(tf.add(q, eps)))); // [N, S]
  return tf.sub(pos, neg); // [N, S]
}

/** Weighted matching cost of N predictions against S targets → [N, S]. */
function pairCost(
  logits: tf.Tensor2D,
  boxes: tf.Tensor2D,
  ids: tf.Tensor1D,
  tgtBoxes: tf.Tensor2D,
  cfg: MatchCostConfig,
): tf.Tensor2D {
  return tf.tidy(() => {
    const l1 = tf.sum<tf.Tensor2D>(tf.abs(tf.sub(tf.expandDims(boxes, 1), tf.expandDims(tgtBoxes, 0))), 2); // [N, S]
    const giou = generalizedBoxIou(boxCxcywhToXyxy(boxes), boxCxcywhToXyxy(tgtBoxes)); // [N, S]
    const cls = classCost(logits, ids, cfg); // [N, S]
    const w = (t: tf.Tensor2D, weight: number): tf.Tensor2D => tf.mul(t, weight);
    return tf.addN([w(cls, cfg.costClass), w(l1, cfg.costL1), w(giou, -cfg.costGiou)]); // [N, S]
  });
}

/** Cost matrix of one image: logits [Q, K+1], boxes [Q, 4] → [Q, T]. */
export function matchingCostMatrix(
  logits: tf.Tensor2D,
  boxes: tf.Tensor2D,
  targets: ImageTargets,
  cfg: MatchCostConfig,
): tf.Tensor2D {
  const [Q, K1] = logits.shape;
  const outputs: DetrOutputs = {
    logits: tf.reshape<tf.Rank.R3>(logits, [1, Q, K1]), // [1, Q, K+1]
    boxes: tf.reshape<tf.Rank.R3>(boxes, [1, Q, 4]), // [1, Q, 4]
  };
  try {
    return batchedCostMatrix(outputs, [targets], cfg);
  } finally {
    tf.dispose([outputs.logits, outputs.boxes]);
  }
}

/**
 * Cost matrices of a whole batch in one pass, as detr does: every query against every target of
 * the batch, [B·Q, S]; image b's matrix is rows b·Q…, columns from its offset in the target list.
 * The off-diagonal blocks are wasted work (B²·Q·T̄ cells) but cost one kernel launch per op.
 */
export function batchedCostMatrix(
  outputs: DetrOutputs,
  targets: readonly ImageTargets[],
  cfg: MatchCostConfig,
): tf.Tensor2D {
  const { B, Q, K } = checkBatch(outputs, targets);
  // Zero-size tensors break tfjs's CPU split ("vals.subarray is not a function"): no GIoU on them.
  if (targets.every((t) => t.classes.length === 0)) return tf.zeros([B * Q, 0]);
  return tf.tidy(() => {
    const ids = tf.tensor1d(concat(targets.map((t) => t.classes), Int32Array), 'int32'); // [S]
    const S = ids.shape[0];
    const tgtBoxes = tf.tensor2d(concat(targets.map((t) => t.boxes), Float32Array), [S, 4]); // [S, 4]
    const logits = tf.reshape<tf.Rank.R2>(outputs.logits, [B * Q, K + 1]); // [B·Q, K+1]
    const boxes = tf.reshape<tf.Rank.R2>(outputs.boxes, [B * Q, 4]); // [B·Q, 4]
    return pairCost(logits, boxes, ids, tgtBoxes, cfg); // [B·Q, S]
  });
}

/** Hungarian matching of one decoder layer's outputs; one readback (none if there are no targets). */
export async function hungarianMatch(
  outputs: DetrOutputs,
  targets: readonly ImageTargets[],
  cfg: MatchCostConfig,
): Promise<Match[]> {
  const [matches] = await hungarianMatchLayers([outputs], targets, cfg);
  return matches ?? [];
}

/**
 * Independent Hungarian matching of every decoder layer (detr matches each auxiliary output on its
 * own), with the L cost matrices stacked into one [L·B·Q, S] tensor so that the step still costs
 * one readback. Returns matches[layer][image]; `timing.solveMs` gets the time of the solves alone.
 */
export async function hungarianMatchLayers(
  layers: readonly DetrOutputs[],
  targets: readonly ImageTargets[],
  cfg: MatchCostConfig,
  timing?: { solveMs: number },
): Promise<Match[][]> {
  const sizes = layers.map((l) => checkBatch(l, targets));
  const S = targets.reduce((s, t) => s + t.classes.length, 0);
  if (S === 0) return layers.map(() => targets.map(() => emptyMatch()));
  const stacked = tf.tidy(() => tf.concat(layers.map((l) => batchedCostMatrix(l, targets, cfg)), 0)); // [L·B·Q, S]
  let cost: Float32Array;
  try {
    cost = await stacked.data<'float32'>();
  } finally {
    stacked.dispose();
  }
  const start = performance.now();
  let row = 0;
  const matches = sizes.map(({ Q }) => {
    const layer = solveImages(cost, row, Q, S, targets);
    row += targets.length * Q;
    return layer;
  });
  if (timing) timing.solveMs = performance.now() - start;
  return matches;
}

/** Cuts each image's [Q, T] block out of the read-back [·, S] matrix and solves it. */
function solveImages(
  cost: Float32Array,
  firstRow: number,
  Q: number,
  S: number,
  targets: readonly ImageTargets[],
): Match[] {
  let col = 0;
  return targets.map((t, b) => {
    const T = t.classes.length;
    const block = new Float32Array(Q * T); // [Q, T]
    for (let q = 0; q < Q; q++) {
      const from = (firstRow + b * Q + q) * S + col;
      block.set(cost.subarray(from, from + T), q * T);
    }
    col += T;
    const a = linearSumAssignment(block, Q, T);
    return { queryIdx: a.rowIdx, targetIdx: a.colIdx };
  });
}

function emptyMatch(): Match {
  return { queryIdx: new Int32Array(0), targetIdx: new Int32Array(0) };
}

function concat<A extends Int32Array | Float32Array>(
  parts: readonly A[],
  Ctor: { new (n: number): A },
): A {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
