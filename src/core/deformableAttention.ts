// Multi-scale deformable attention (Zhu et al., 2021, "Deformable DETR", MSDeformAttn): each query
// attends to P sampled points per head on each of L feature levels instead of to every pixel. Linear
// layers on the query give the points' offsets (in cells of each level, around the query's reference
// point) and their attention weights (a softmax over levels × points); the values are bilinearly read
// at the points (bilinear.ts) and mixed by those weights, per head, then projected.
//
// Init as the original: offsets start on a ring of directions, one per head, the k-th point k cells
// out; attention weights start uniform; value and output projections Xavier.
//
// Dimensions: B batch, Nq queries, S = Σ H_l·W_l flattened value tokens, D model width, h heads,
// Dh = D/h, L levels, P points per head and level.
import * as tf from '@tensorflow/tfjs';
import { bilinearSampleRows, type SampleGrid } from './bilinear';
import { buildLinear, linear, linearVariables, type Linear } from './layers';
import type { Rng } from './rng';

export interface LevelShape {
  readonly height: number;
  readonly width: number;
}

export interface DeformableAttention {
  readonly samplingOffsets: Linear; // [D, h·L·P·2]
  readonly attentionWeights: Linear; // [D, h·L·P]
  readonly value: Linear; // [D, D]
  readonly out: Linear; // [D, D]
  readonly numHeads: number;
  readonly numLevels: number;
  readonly numPoints: number;
}

/** The ring the offsets start on: head i looks along angle 2πi/h, its k-th point k + 1 cells out. */
function ringBias(h: number, levels: number, points: number): Float32Array {
  const bias = new Float32Array(h * levels * points * 2); // [h, L, P, 2] as (x, y)
  for (let i = 0; i < h; i++) {
    const theta = (2 * Math.PI * i) / h;
    const [cx, cy] = [Math.cos(theta), Math.sin(theta)];
    const scale = Math.max(Math.abs(cx), Math.abs(cy));
    for (let l = 0; l < levels; l++) {
      for (let k = 0; k < points; k++) {
        const at = ((i * levels + l) * points + k) * 2;
        bias[at] = (cx / scale) * (k + 1);
        bias[at + 1] = (cy / scale) * (k + 1);
      }
    }
  }
  return bias;
}

export function buildDeformableAttention(dModel: number, numHeads: number, numLevels: number, numPoints: number, rng: Rng): DeformableAttention {
  if (dModel % numHeads !== 0) throw new Error(`buildDeformableAttention: expected numHeads dividing ${dModel}, got ${numHeads}`);
  const zeroed = (outDim: number, bias: Float32Array | null): Linear => ({
    weight: tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R2>([dModel, outDim]), true)),
    bias: tf.tidy(() => tf.variable(bias === null ? tf.zeros<tf.Rank.R1>([outDim]) : tf.tensor1d(bias), true)),
  });
  const hlp = numHeads * numLevels * numPoints;
  return {
    samplingOffsets: zeroed(hlp * 2, ringBias(numHeads, numLevels, numPoints)),
    attentionWeights: zeroed(hlp, null),
    value: buildLinear(dModel, dModel, rng, 'xavier'),
    out: buildLinear(dModel, dModel, rng, 'xavier'),
    numHeads,
    numLevels,
    numPoints,
  };
}

/** Where each sampled point reads, for locations ordered [Nq, L, P]: its level's size and first row. */
function levelGrid(levels: readonly LevelShape[], nq: number, p: number): SampleGrid {
  const starts = levels.map((_, l) => levels.slice(0, l).reduce((n, lv) => n + lv.height * lv.width, 0));
  const m = nq * levels.length * p;
  const level = (i: number) => Math.floor(i / p) % levels.length;
  return {
    widths: Float32Array.from({ length: m }, (_, i) => levels[level(i)]!.width),
    heights: Float32Array.from({ length: m }, (_, i) => levels[level(i)]!.height),
    starts: Float32Array.from({ length: m }, (_, i) => starts[level(i)]!),
    rows: levels.reduce((n, lv) => n + lv.height * lv.width, 0),
  };
}

/**
 * The sampling core (Deformable DETR's ms_deform_attn_core): heads' values [B, S, h, Dh] of `levels`
 * (row-major, level after level), locations [B, Nq, h, L, P, 2] as (x, y) in [0, 1] of each level,
 * weights [B, Nq, h, L, P] → [B, Nq, h·Dh]. Every level and point is read in one bilinear read.
 */
export function deformableCore(value: tf.Tensor4D, levels: readonly LevelShape[], locations: tf.Tensor, weights: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, s, h, dh] = value.shape;
    const [, nq = 0, , numLevels = 0, p = 0] = locations.shape;
    const lp = numLevels * p;
    const rows = tf.reshape<tf.Rank.R3>(tf.transpose(value, [0, 2, 1, 3]), [b * h, s, dh]); // [B·h, S, Dh]
    const at = tf.reshape<tf.Rank.R3>(tf.transpose(tf.reshape(locations, [b, nq, h, lp * 2]), [0, 2, 1, 3]), [b * h, nq * lp, 2]); // [B·h, Nq·L·P, 2]
    const mix = tf.reshape(tf.transpose(tf.reshape(weights, [b, nq, h, lp]), [0, 2, 1, 3]), [b * h, nq, lp, 1]); // [B·h, Nq, L·P, 1]
    const read = tf.reshape(bilinearSampleRows(rows, levelGrid(levels, nq, p), at), [b * h, nq, lp, dh]); // [B·h, Nq, L·P, Dh]
    const out = tf.sum(tf.mul(read, mix), 2); // [B·h, Nq, Dh]
    return tf.reshape(tf.transpose(tf.reshape(out, [b, h, nq, dh]), [0, 2, 1, 3]), [b, nq, h * dh]) as tf.Tensor3D; // [B, Nq, D]
  });
}

/**
 * query [B, Nq, D] (positions added), reference [B, Nq, L, 2] as (x, y) in [0, 1] per level, input
 * [B, S, D] (the flattened levels) → [B, Nq, D].
 */
export function deformableAttention(attn: DeformableAttention, query: tf.Tensor3D, reference: tf.Tensor4D, input: tf.Tensor3D, levels: readonly LevelShape[]): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, nq, d] = query.shape;
    const [h, numLevels, p] = [attn.numHeads, attn.numLevels, attn.numPoints];
    if (levels.length !== numLevels) throw new Error(`deformableAttention: expected ${numLevels} levels, got ${levels.length}`);
    const s = levels.reduce((n, lv) => n + lv.height * lv.width, 0);
    if (input.shape[1] !== s) throw new Error(`deformableAttention: expected ${s} input tokens for the levels, got ${input.shape[1]}`);
    const value = tf.reshape(linear(attn.value, input), [b, s, h, d / h]) as tf.Tensor4D; // [B, S, h, Dh]
    const offsets = tf.reshape(linear(attn.samplingOffsets, query), [b, nq, h, numLevels, p, 2]); // [B, Nq, h, L, P, 2] in cells
    const perCell = tf.tensor(levels.flatMap((lv) => [1 / lv.width, 1 / lv.height]), [1, 1, 1, numLevels, 1, 2]); // [1, 1, 1, L, 1, 2]
    const locations = tf.add(tf.reshape(reference, [b, nq, 1, numLevels, 1, 2]), tf.mul(offsets, perCell)); // [B, Nq, h, L, P, 2]
    const logits = tf.reshape(linear(attn.attentionWeights, query), [b, nq, h, numLevels * p]); // [B, Nq, h, L·P]
    const weights = tf.reshape(tf.softmax(logits, -1), [b, nq, h, numLevels, p]); // [B, Nq, h, L, P]
    return linear(attn.out, deformableCore(value, levels, locations, weights)) as tf.Tensor3D; // [B, Nq, D]
  });
}

export function deformableAttentionVariables(attn: DeformableAttention): tf.Variable[] {
  return [attn.samplingOffsets, attn.attentionWeights, attn.value, attn.out].flatMap(linearVariables);
}
