// Deformable DETR's transformer (Zhu et al., 2021; models/deformable_transformer.py, single stage,
// post-norm): encoder layers whose self-attention is multi-scale deformable attention over the S
// tokens of every level, each token sampling around its own cell centre; decoder layers with ordinary
// self-attention among the queries and deformable cross-attention into the encoder's memory, around
// one reference point per query predicted from its positional embedding. Unlike detr there is no
// shared decoder norm; the decoder returns every layer's output and the reference points, which the
// box head adds to (in logit space) so a query predicts its box relative to where it looks.
//
// Dimensions: B batch, S multi-scale tokens, Q queries, D model width, L levels.
import * as tf from '@tensorflow/tfjs';
import { attentionVariables, buildAttention, multiHeadAttention, type Attention } from './attention';
import { buildDeformableAttention, deformableAttention, deformableAttentionVariables, type DeformableAttention, type LevelShape } from './deformableAttention';
import type { TransformerConfig } from './detrConfig';
import { buildLayerNorm, buildLinear, layerNormVariables, linear, linearVariables, type ForwardContext, type LayerNorm, type Linear } from './layers';
import { encoderReferencePoints } from './multiScale';
import type { Rng } from './rng';
import { buildFfn, feedForward, residual, type FeedForward } from './transformer';

export interface DeformableEncoderLayer {
  readonly selfAttn: DeformableAttention;
  readonly norm1: LayerNorm;
  readonly ffn: FeedForward;
  readonly norm2: LayerNorm;
}

export interface DeformableDecoderLayer {
  readonly selfAttn: Attention;
  readonly norm1: LayerNorm;
  readonly crossAttn: DeformableAttention;
  readonly norm2: LayerNorm;
  readonly ffn: FeedForward;
  readonly norm3: LayerNorm;
}

export interface DeformableTransformer {
  readonly encoder: readonly DeformableEncoderLayer[];
  readonly decoder: readonly DeformableDecoderLayer[];
  readonly referencePoints: Linear; // [D, 2], query position → reference point logits
  readonly dropout: number;
  readonly preNorm: false;
}

/** The decoder's layers' outputs and the reference points every box is predicted around. */
export type DeformableDecoded = {
  readonly hs: tf.Tensor3D[]; // L_dec × [B, Q, D]
  readonly reference: tf.Tensor3D; // [B, Q, 2] (x, y) in (0, 1)
};

export function buildDeformableTransformer(cfg: TransformerConfig, numLevels: number, rng: Rng): DeformableTransformer {
  const d = cfg.dModel;
  const attn = () => buildDeformableAttention(d, cfg.numHeads, numLevels, cfg.numPoints, rng);
  return {
    encoder: Array.from({ length: cfg.numEncoderLayers }, () => ({ selfAttn: attn(), norm1: buildLayerNorm(d), ffn: buildFfn(cfg, rng), norm2: buildLayerNorm(d) })),
    decoder: Array.from({ length: cfg.numDecoderLayers }, () => ({
      selfAttn: buildAttention(d, cfg.numHeads, rng),
      norm1: buildLayerNorm(d),
      crossAttn: attn(),
      norm2: buildLayerNorm(d),
      ffn: buildFfn(cfg, rng),
      norm3: buildLayerNorm(d),
    })),
    referencePoints: buildLinear(d, 2, rng, 'xavier'),
    dropout: cfg.dropout,
    preNorm: false,
  };
}

/** src, pos [B, S, D] of `levels` → memory [B, S, D]. */
export function deformableEncode(t: DeformableTransformer, src: tf.Tensor3D, pos: tf.Tensor3D, levels: readonly LevelShape[], ctx: ForwardContext): tf.Tensor3D {
  return tf.tidy(() => {
    const reference = encoderReferencePoints(levels, src.shape[0]); // [B, S, L, 2]
    let x: tf.Tensor = src;
    for (const layer of t.encoder) {
      x = residual(t, x, layer.norm1, (y) => deformableAttention(layer.selfAttn, tf.add(y, pos) as tf.Tensor3D, reference, y as tf.Tensor3D, levels), ctx);
      x = residual(t, x, layer.norm2, (y) => feedForward(layer.ffn, y, t.dropout, ctx), ctx); // [B, S, D]
    }
    return x as tf.Tensor3D;
  });
}

/** memory [B, S, D]; queryPos and target [Q, D] (the two halves of the query embedding) → every layer's output. */
export function deformableDecode(t: DeformableTransformer, memory: tf.Tensor3D, levels: readonly LevelShape[], queryPos: tf.Tensor2D, target: tf.Tensor2D, ctx: ForwardContext): DeformableDecoded {
  return tf.tidy(() => {
    const [b] = memory.shape;
    const [q, d] = queryPos.shape;
    const pos = tf.tile(tf.reshape(queryPos, [1, q, d]), [b, 1, 1]); // [B, Q, D]
    const reference = tf.sigmoid(linear(t.referencePoints, pos)) as tf.Tensor3D; // [B, Q, 2]
    const perLevel = tf.tile(tf.reshape(reference, [b, q, 1, 2]), [1, 1, levels.length, 1]) as tf.Tensor4D; // [B, Q, L, 2]
    let x: tf.Tensor = tf.tile(tf.reshape(target, [1, q, d]), [b, 1, 1]); // [B, Q, D]
    const hs: tf.Tensor3D[] = [];
    for (const layer of t.decoder) {
      x = residual(t, x, layer.norm1, (y) => {
        const qk = tf.add(y, pos) as tf.Tensor3D; // [B, Q, D]
        return multiHeadAttention(layer.selfAttn, { query: qk, key: qk, value: y as tf.Tensor3D, keyPaddingMask: null }, t.dropout, ctx);
      }, ctx);
      x = residual(t, x, layer.norm2, (y) => deformableAttention(layer.crossAttn, tf.add(y, pos) as tf.Tensor3D, perLevel, memory, levels), ctx);
      x = residual(t, x, layer.norm3, (y) => feedForward(layer.ffn, y, t.dropout, ctx), ctx); // [B, Q, D]
      hs.push(x as tf.Tensor3D);
    }
    return { hs, reference };
  });
}

export function deformableTransformerVariables(t: DeformableTransformer): tf.Variable[] {
  const ffn = (f: FeedForward): tf.Variable[] => [...linearVariables(f.up), ...linearVariables(f.down)];
  return [
    ...t.encoder.flatMap((l) => [...deformableAttentionVariables(l.selfAttn), ...layerNormVariables(l.norm1), ...ffn(l.ffn), ...layerNormVariables(l.norm2)]),
    ...t.decoder.flatMap((l) => [
      ...attentionVariables(l.selfAttn), ...layerNormVariables(l.norm1),
      ...deformableAttentionVariables(l.crossAttn), ...layerNormVariables(l.norm2),
      ...ffn(l.ffn), ...layerNormVariables(l.norm3),
    ]),
    ...linearVariables(t.referencePoints),
  ];
}

/** Offsets and reference-point layers train at a tenth of the lr in Deformable DETR. */
export function deformableSlowVariables(t: DeformableTransformer): tf.Variable[] {
  const offsets = (a: DeformableAttention) => linearVariables(a.samplingOffsets);
  return [...t.encoder.flatMap((l) => offsets(l.selfAttn)), ...t.decoder.flatMap((l) => offsets(l.crossAttn)), ...linearVariables(t.referencePoints)];
}
