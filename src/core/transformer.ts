// detr's transformer (models/transformer.py): an encoder over the image tokens and a decoder from Q
// learned queries, post-norm by default with a pre-norm switch. Positions are added to queries and
// keys of every attention, never to values. The decoder returns every layer's output (after the
// shared decoder norm) so each can get the heads and an auxiliary loss.
//
// One deliberate difference: the decoder's target starts at zero, so in the FIRST decoder layer
// self-attention only ever sees equal values and returns a constant (detr's first-layer query/key
// weights never receive a gradient), and a norm of that zero target is a constant too. That layer
// leaves them out: the same function class, with no dead parameters.
//
// Dimensions: B batch, N = h·w image tokens, Q queries, D model width, L decoder layers.
import * as tf from '@tensorflow/tfjs';
import { attentionVariables, buildAttention, multiHeadAttention, type Attention } from './attention';
import type { TransformerConfig } from './detrConfig';
import {
  buildLayerNorm,
  buildLinear,
  dropout,
  layerNorm,
  layerNormVariables,
  linear,
  linearVariables,
  type ForwardContext,
  type LayerNorm,
  type Linear,
} from './layers';
import type { Rng } from './rng';

export interface FeedForward {
  readonly up: Linear; // [D, F]
  readonly down: Linear; // [F, D]
}

export interface EncoderLayer {
  readonly selfAttn: Attention;
  readonly norm1: LayerNorm;
  readonly ffn: FeedForward;
  readonly norm2: LayerNorm;
}

export interface DecoderLayer {
  readonly selfAttn: Attention | null; // null in the first layer (see the header)
  readonly norm1: LayerNorm | null; // null with selfAttn
  readonly crossAttn: Attention;
  readonly norm2: LayerNorm | null; // null in the first layer when pre-norm (it would normalise zeros)
  readonly ffn: FeedForward;
  readonly norm3: LayerNorm;
}

export interface Transformer {
  readonly encoder: readonly EncoderLayer[];
  readonly encoderNorm: LayerNorm | null; // pre-norm only, as detr
  readonly decoder: readonly DecoderLayer[];
  readonly decoderNorm: LayerNorm; // shared by every layer's output
  readonly dropout: number;
  readonly preNorm: boolean;
}

/** Image tokens and their masks, shared by every layer. */
export interface MemoryInputs {
  readonly pos: tf.Tensor3D; // [B, N, D] sine positions
  readonly keyPaddingMask: tf.Tensor2D | null; // [B, N] 1 = padding
}

export function buildFfn(cfg: TransformerConfig, rng: Rng): FeedForward {
  return { up: buildLinear(cfg.dModel, cfg.dimFeedforward, rng, 'xavier'), down: buildLinear(cfg.dimFeedforward, cfg.dModel, rng, 'xavier') };
}

export function buildTransformer(cfg: TransformerConfig, rng: Rng): Transformer {
  const d = cfg.dModel;
  const encoder = Array.from({ length: cfg.numEncoderLayers }, (): EncoderLayer => ({
    selfAttn: buildAttention(d, cfg.numHeads, rng),
    norm1: buildLayerNorm(d),
    ffn: buildFfn(cfg, rng),
    norm2: buildLayerNorm(d),
  }));
  const decoder = Array.from({ length: cfg.numDecoderLayers }, (_, i): DecoderLayer => ({
    selfAttn: i === 0 ? null : buildAttention(d, cfg.numHeads, rng),
    norm1: i === 0 ? null : buildLayerNorm(d),
    crossAttn: buildAttention(d, cfg.numHeads, rng),
    norm2: i === 0 && cfg.preNorm ? null : buildLayerNorm(d),
    ffn: buildFfn(cfg, rng),
    norm3: buildLayerNorm(d),
  }));
  const encoderNorm = cfg.preNorm && cfg.numEncoderLayers > 0 ? buildLayerNorm(d) : null;
  return { encoder, encoderNorm, decoder, decoderNorm: buildLayerNorm(d), dropout: cfg.dropout, preNorm: cfg.preNorm };
}

export function feedForward(ffn: FeedForward, x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  return tf.tidy(() => linear(ffn.down, dropout(tf.relu(linear(ffn.up, x)), rate, ctx))); // [..., D]
}

/**
 * x + dropout(block(norm(x))) when pre-norm; norm(x + dropout(block(x))) when post-norm.
 * A null norm is the identity (only where its input is known to be zero).
 */
export function residual(t: Pick<Transformer, 'preNorm' | 'dropout'>, x: tf.Tensor, norm: LayerNorm | null, block: (y: tf.Tensor) => tf.Tensor, ctx: ForwardContext): tf.Tensor {
  return tf.tidy(() => {
    const normed = (y: tf.Tensor): tf.Tensor => (norm === null ? y : layerNorm(norm, y));
    if (t.preNorm) return tf.add(x, dropout(block(normed(x)), t.dropout, ctx));
    return normed(tf.add(x, dropout(block(x), t.dropout, ctx)));
  });
}

/** src [B, N, D] → memory [B, N, D]. */
export function encode(t: Transformer, src: tf.Tensor3D, mem: MemoryInputs, ctx: ForwardContext): tf.Tensor3D {
  return tf.tidy(() => {
    let x: tf.Tensor = src;
    for (const layer of t.encoder) {
      x = residual(t, x, layer.norm1, (y) => {
        const qk = tf.add(y, mem.pos) as tf.Tensor3D; // [B, N, D]
        const inputs = { query: qk, key: qk, value: y as tf.Tensor3D, keyPaddingMask: mem.keyPaddingMask };
        return multiHeadAttention(layer.selfAttn, inputs, t.dropout, ctx); // [B, N, D]
      }, ctx);
      x = residual(t, x, layer.norm2, (y) => feedForward(layer.ffn, y, t.dropout, ctx), ctx); // [B, N, D]
    }
    return (t.encoderNorm === null ? x : layerNorm(t.encoderNorm, x)) as tf.Tensor3D; // [B, N, D]
  });
}

function decoderLayer(t: Transformer, layer: DecoderLayer, tgt: tf.Tensor, memory: tf.Tensor3D, mem: MemoryInputs, queryPos: tf.Tensor2D, ctx: ForwardContext): tf.Tensor {
  return tf.tidy(() => {
    let x = tgt; // [B, Q, D]
    const selfAttn = layer.selfAttn;
    if (selfAttn !== null) {
      x = residual(t, x, layer.norm1, (y) => {
        const qk = tf.add(y, queryPos) as tf.Tensor3D; // [B, Q, D]
        return multiHeadAttention(selfAttn, { query: qk, key: qk, value: y as tf.Tensor3D, keyPaddingMask: null }, t.dropout, ctx);
      }, ctx);
    }
    const key = tf.add(memory, mem.pos) as tf.Tensor3D; // [B, N, D]
    x = residual(t, x, layer.norm2, (y) => {
      const query = tf.add(y, queryPos) as tf.Tensor3D; // [B, Q, D]
      return multiHeadAttention(layer.crossAttn, { query, key, value: memory, keyPaddingMask: mem.keyPaddingMask }, t.dropout, ctx);
    }, ctx);
    return residual(t, x, layer.norm3, (y) => feedForward(layer.ffn, y, t.dropout, ctx), ctx); // [B, Q, D]
  });
}

/** memory [B, N, D], queryPos [Q, D] → every decoder layer's output, each [B, Q, D] after the decoder norm. */
export function decode(t: Transformer, memory: tf.Tensor3D, mem: MemoryInputs, queryPos: tf.Tensor2D, ctx: ForwardContext): tf.Tensor3D[] {
  return tf.tidy(() => {
    const [b, , d] = memory.shape;
    let tgt: tf.Tensor = tf.zeros([b, queryPos.shape[0], d]); // [B, Q, D]
    const outputs: tf.Tensor3D[] = [];
    for (const layer of t.decoder) {
      tgt = decoderLayer(t, layer, tgt, memory, mem, queryPos, ctx); // [B, Q, D]
      outputs.push(layerNorm(t.decoderNorm, tgt) as tf.Tensor3D); // [B, Q, D]
    }
    return outputs;
  });
}

export function transformerVariables(t: Transformer): tf.Variable[] {
  const ffn = (f: FeedForward): tf.Variable[] => [...linearVariables(f.up), ...linearVariables(f.down)];
  const norm = (n: LayerNorm | null): tf.Variable[] => (n === null ? [] : layerNormVariables(n));
  const attn = (a: Attention | null): tf.Variable[] => (a === null ? [] : attentionVariables(a));
  return [
    ...t.encoder.flatMap((l) => [...attn(l.selfAttn), ...norm(l.norm1), ...ffn(l.ffn), ...norm(l.norm2)]),
    ...norm(t.encoderNorm),
    ...t.decoder.flatMap((l) => [...attn(l.selfAttn), ...norm(l.norm1), ...attn(l.crossAttn), ...norm(l.norm2), ...ffn(l.ffn), ...norm(l.norm3)]),
    ...norm(t.decoderNorm),
  ];
}
