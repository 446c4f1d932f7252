// Multi-head scaled dot-product attention (torch.nn.MultiheadAttention as detr uses it), written with
// batched matMul: tfjs-layers' MultiHeadAttention is not exported and is built on einsum, which has no
// gradient. Projections go through 2-D linear layers; heads are folded into the batch for the scores.
//
// The key projection has no bias: adding b·q to every score of a query shifts its softmax by a
// constant, so torch's key bias never receives a gradient. Leaving it out changes nothing else.
//
// Dimensions: B batch, Nq queries, Nk keys, D model width, h heads, Dh = D/h per head.
import * as tf from '@tensorflow/tfjs';
import { buildLinear, dropout, linear, linearVariables, type ForwardContext, type Linear } from './layers';
import type { Rng } from './rng';

export interface Attention {
  readonly query: Linear; // [D, D]
  readonly key: Linear; // [D, D], no bias
  readonly value: Linear; // [D, D]
  readonly out: Linear; // [D, D]
  readonly numHeads: number;
}

export interface AttentionInputs {
  readonly query: tf.Tensor3D; // [B, Nq, D] (positions already added where wanted)
  readonly key: tf.Tensor3D; // [B, Nk, D]
  readonly value: tf.Tensor3D; // [B, Nk, D]
  /** [B, Nk]: 1 where a key is padding and must get no attention, 0 elsewhere; null: none. */
  readonly keyPaddingMask: tf.Tensor2D | null;
}

/** What keeps a padded key's softmax weight at exactly 0 in f32 while staying finite. */
const MASKED = -1e9;

export function buildAttention(dModel: number, numHeads: number, rng: Rng): Attention {
  if (dModel % numHeads !== 0) throw new Error(`buildAttention: expected numHeads dividing ${dModel}, got ${numHeads}`);
  return {
    query: buildLinear(dModel, dModel, rng, 'xavier'),
    key: buildLinear(dModel, dModel, rng, 'xavier', false),
    value: buildLinear(dModel, dModel, rng, 'xavier'),
    out: buildLinear(dModel, dModel, rng, 'xavier'),
    numHeads,
  };
}

/** [B, N, D] → [B·h, N, Dh]. */
function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor3D {
  const [b = 0, n = 0, d = 0] = x.shape;
  const heads = tf.reshape(x, [b, n, numHeads, d / numHeads]); // [B, N, h, Dh]
  return tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b * numHeads, n, d / numHeads]); // [B·h, N, Dh]
}

/** [B·h, N, Dh] → [B, N, D]. */
function mergeHeads(x: tf.Tensor3D, batch: number, numHeads: number): tf.Tensor3D {
  const [, n, dh] = x.shape;
  const heads = tf.reshape(x, [batch, numHeads, n, dh]); // [B, h, N, Dh]
  return tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch, n, numHeads * dh]); // [B, N, D]
}

/** softmax(q·kᵀ/√Dh + mask) over keys, with dropout on the weights while training (torch does too). */
export function multiHeadAttention(attn: Attention, inputs: AttentionInputs, rate: number, ctx: ForwardContext): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, nq, d] = inputs.query.shape;
    const nk = inputs.key.shape[1];
    const h = attn.numHeads;
    const q = splitHeads(linear(attn.query, inputs.query), h); // [B·h, Nq, Dh]
    const k = splitHeads(linear(attn.key, inputs.key), h); // [B·h, Nk, Dh]
    const v = splitHeads(linear(attn.value, inputs.value), h); // [B·h, Nk, Dh]
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d / h)); // [B·h, Nq, Nk]
    if (inputs.keyPaddingMask !== null) {
      const mask = tf.reshape(tf.mul(inputs.keyPaddingMask, MASKED), [b, 1, 1, nk]); // [B, 1, 1, Nk]
      const masked = tf.add(tf.reshape(scores, [b, h, nq, nk]), mask); // [B, h, Nq, Nk]
      scores = tf.reshape(masked, [b * h, nq, nk]); // [B·h, Nq, Nk]
    }
    const weights = dropout(tf.softmax(scores, -1), rate, ctx); // [B·h, Nq, Nk]
    const mixed = tf.matMul(weights as tf.Tensor3D, v) as tf.Tensor3D; // [B·h, Nq, Dh]
    return linear(attn.out, mergeHeads(mixed, b, h)) as tf.Tensor3D; // [B, Nq, D]
  });
}

export function attentionVariables(attn: Attention): tf.Variable[] {
  return [attn.query, attn.key, attn.value, attn.out].flatMap(linearVariables);
}
