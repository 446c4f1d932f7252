// The detector with multi-scale deformable attention (Deformable DETR, single stage, no box
// refinement): the backbone's stride-8/16/32 maps plus a stride-64 level (multiScale.ts), the
// deformable transformer (deformableTransformer.ts), and detr's heads, except that each query's box is
// predicted relative to its reference point: the box MLP's centre is added to the reference point's
// logit before the sigmoid. Built and run through detr.ts (config transformer.attention = 'deformable').
//
// Dimensions: B batch, S multi-scale tokens, Q queries, D model width, K classes.
import * as tf from '@tensorflow/tfjs';
import { backboneMaps, buildBackbone, multiScaleChannels } from './backbone';
import { buildDeformableTransformer, deformableDecode, deformableEncode, deformableSlowVariables, deformableTransformerVariables } from './deformableTransformer';
import { SALT, type DeformableDetrModel, type DetrForwardOptions, type DetrModelConfig, type DetrOutput } from './detr';
import { buildLinear, buildMlp, linear, linearVariables, mlp, mlpVariables, normal, randomVariable } from './layers';
import type { MobileNetV2Weights } from './mobilenetV2';
import { buildMultiScaleNeck, multiScaleNeckVariables, multiScaleTokens } from './multiScale';
import { mixSeed, mulberry32 } from './rng';

/** Backbone maps at strides 8, 16, 32 and the extra stride-64 level. */
const NUM_LEVELS = 4;

export function buildDeformableDetr(cfg: DetrModelConfig, encoder: MobileNetV2Weights): DeformableDetrModel {
  const rng = (salt: number) => mulberry32(mixSeed(cfg.seed, salt));
  const d = cfg.transformer.dModel;
  const backbone = buildBackbone(cfg.backbone, encoder, rng(SALT.backbone), true);
  return {
    kind: 'deformable',
    backbone,
    neck: buildMultiScaleNeck(multiScaleChannels(backbone), d, rng(SALT.inputProj)),
    transformer: buildDeformableTransformer(cfg.transformer, NUM_LEVELS, rng(SALT.transformer)),
    queryEmbed: randomVariable<tf.Rank.R2>([cfg.numQueries, 2 * d], normal(rng(SALT.queries), 1)), // nn.Embedding: N(0, 1)
    classHead: buildLinear(d, cfg.numClasses + 1, rng(SALT.classHead), 'torch'),
    boxHead: buildMlp(d, d, 4, 3, rng(SALT.boxHead)),
    numClasses: cfg.numClasses,
  };
}

/** log(p / (1 − p)), clamped as Deformable DETR's inverse_sigmoid (eps 1e-5). */
function inverseSigmoid(p: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.clipByValue(p, 0, 1);
    return tf.log(tf.div(tf.maximum(x, 1e-5), tf.maximum(tf.sub(1, x), 1e-5)));
  });
}

export function deformableDetrForward(model: DeformableDetrModel, images: tf.Tensor4D, options: DetrForwardOptions): DetrOutput {
  if (options.imageSizes !== undefined) throw new Error('deformable attention does not take padded batches yet: give images of one size');
  return tf.tidy(() => {
    const ctx = { training: options.training, rng: mulberry32(mixSeed(options.seed ?? 0, SALT.dropout)) };
    const { src, pos, levels } = multiScaleTokens(model.neck, backboneMaps(model.backbone, images)); // [B, S, D] ×2
    const memory = deformableEncode(model.transformer, src, pos, levels, ctx); // [B, S, D]
    const [q, d2] = model.queryEmbed.shape;
    const queryPos = tf.slice(model.queryEmbed, [0, 0], [q, d2 / 2]); // [Q, D]
    const target = tf.slice(model.queryEmbed, [0, d2 / 2], [q, d2 / 2]); // [Q, D]
    const { hs, reference } = deformableDecode(model.transformer, memory, levels, queryPos, target, ctx);
    const b = images.shape[0];
    const stacked = tf.concat(hs, 0); // [L·B, Q, D]: one matMul per head for all layers
    const logits = linear(model.classHead, stacked); // [L·B, Q, K + 1]
    const shift = tf.pad(inverseSigmoid(tf.tile(reference, [hs.length, 1, 1])), [[0, 0], [0, 0], [0, 2]]); // [L·B, Q, 4]: centre only
    const boxes = tf.sigmoid(tf.add(mlp(model.boxHead, stacked), shift)); // [L·B, Q, 4] cxcywh in [0, 1]
    const layer = (t: tf.Tensor, i: number) => tf.slice(t, [i * b, 0, 0], [b, -1, -1]) as tf.Tensor3D; // [B, Q, ·]
    return { layers: hs.map((_, i) => ({ logits: layer(logits, i), boxes: layer(boxes, i) })) };
  });
}

/**
 * The optimiser's groups. The sampling-offset and reference-point layers train with the backbone's
 * lr: Deformable DETR gives them lr × 0.1, which lrBackbone is by default.
 */
export function deformableDetrVariables(model: DeformableDetrModel): { backbone: tf.Variable[]; rest: tf.Variable[] } {
  const slow = new Set(deformableSlowVariables(model.transformer));
  const rest = [
    ...multiScaleNeckVariables(model.neck),
    ...deformableTransformerVariables(model.transformer).filter((v) => !slow.has(v)),
    model.queryEmbed,
    ...linearVariables(model.classHead),
    ...mlpVariables(model.boxHead),
  ];
  return { backbone: [...model.backbone.variables, ...slow], rest };
}
