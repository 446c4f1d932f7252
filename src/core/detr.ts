// The DETR detector (Carion et al., 2020; detr's models/detr.py) that SimDETR pretrains: a trainable
// backbone, a 1×1 input projection to D, 2-D sine positions, a transformer encoder over the image
// tokens, a decoder from Q learned queries, and heads shared by every decoder layer: class logits over
// K pseudo-classes + "no object" (the last index) and a 3-layer MLP giving sigmoid boxes (cx, cy, w, h)
// relative to the image.
//
// Dimensions: B batch, H×W image, h×w feature grid, N = h·w tokens, C backbone channels, D model
// width, Q queries, K classes, L decoder layers.
import * as tf from '@tensorflow/tfjs';
import { backboneFeatures, buildBackbone, disposeBackbone, type DetrBackbone } from './backbone';
import type { DetrConfig } from './detrConfig';
import { buildLinear, buildMlp, linear, linearVariables, mlp, mlpVariables, normal, randomVariable, type Linear, type Mlp } from './layers';
import type { MobileNetV2Weights } from './mobilenetV2';
import { featureNotMask, sinePositionEncoding } from './positionEncoding';
import { mixSeed, mulberry32 } from './rng';
import { buildDeformableDetr, deformableDetrForward, deformableDetrVariables } from './deformableDetr';
import type { DeformableTransformer } from './deformableTransformer';
import type { MultiScaleNeck } from './multiScale';
import { buildTransformer, decode, encode, transformerVariables, type MemoryInputs, type Transformer } from './transformer';

interface DetrParts {
  readonly backbone: DetrBackbone;
  readonly classHead: Linear; // [D, K + 1]
  readonly boxHead: Mlp; // D → D → D → 4
  readonly numClasses: number; // K
}

/** detr: dense attention over one backbone map. */
export interface DenseDetrModel extends DetrParts {
  readonly kind: 'dense';
  readonly inputProj: Linear; // [C, D], detr's 1×1 convolution
  readonly transformer: Transformer;
  readonly queryEmbed: tf.Variable<tf.Rank.R2>; // [Q, D] learned query positions
}

/** Deformable DETR (deformableDetr.ts): multi-scale deformable attention. */
export interface DeformableDetrModel extends DetrParts {
  readonly kind: 'deformable';
  readonly neck: MultiScaleNeck;
  readonly transformer: DeformableTransformer;
  readonly queryEmbed: tf.Variable<tf.Rank.R2>; // [Q, 2D]: query positions, then the decoder's initial targets
}

export type DetrModel = DenseDetrModel | DeformableDetrModel;

export interface DetrForwardOptions {
  /** Dropout on; the caller passes a fresh `seed` each step so masks differ but replay. */
  readonly training: boolean;
  /** Seed of this pass's dropout masks (default 0). */
  readonly seed?: number;
  /**
   * Each image's unpadded size in pixels when a batch pads images of different sizes at the
   * bottom/right; padded tokens then get no attention and positions count only real cells.
   */
  readonly imageSizes?: readonly { readonly height: number; readonly width: number }[];
}

/** Type aliases, not interfaces, so an output is a tf.TensorContainer (tf.dispose(output) works). */
export type DetrLayerOutput = {
  readonly logits: tf.Tensor3D; // [B, Q, K + 1], index K = no object
  readonly boxes: tf.Tensor3D; // [B, Q, 4] cxcywh in [0, 1]
};

export type DetrOutput = {
  /** One entry per decoder layer, the last one being the final prediction (the others feed aux losses). */
  readonly layers: DetrLayerOutput[];
};

/** Each part draws from its own stream, so changing one part's size leaves the others' init alone. */
export const SALT = { backbone: 1, inputProj: 2, transformer: 3, queries: 4, classHead: 5, boxHead: 6, dropout: 7 } as const;

/** What the model reads of the config (a whole DetrConfig fits; imageSize and optim belong to the trainer). */
export type DetrModelConfig = Pick<DetrConfig, 'numClasses' | 'numQueries' | 'seed' | 'backbone' | 'transformer'>;

/** Builds the model; `encoder` is the frozen proposal encoder the backbone is copied (or shaped) from. */
export function buildDetr(cfg: DetrModelConfig, encoder: MobileNetV2Weights): DetrModel {
  if (cfg.transformer.attention === 'deformable') return buildDeformableDetr(cfg, encoder);
  const rng = (salt: number) => mulberry32(mixSeed(cfg.seed, salt));
  const d = cfg.transformer.dModel;
  const backbone = buildBackbone(cfg.backbone, encoder, rng(SALT.backbone));
  return {
    kind: 'dense',
    backbone,
    inputProj: buildLinear(backbone.channels, d, rng(SALT.inputProj), 'torch'),
    transformer: buildTransformer(cfg.transformer, rng(SALT.transformer)),
    queryEmbed: randomVariable<tf.Rank.R2>([cfg.numQueries, d], normal(rng(SALT.queries), 1)), // nn.Embedding: N(0, 1)
    classHead: buildLinear(d, cfg.numClasses + 1, rng(SALT.classHead), 'torch'),
    boxHead: buildMlp(d, d, 4, 3, rng(SALT.boxHead)),
    numClasses: cfg.numClasses,
  };
}

/** Positions [B, N, D] and the key padding mask [B, N] (null when no image is padded). */
function memoryInputs(model: DenseDetrModel, shape: readonly number[], options: DetrForwardOptions): MemoryInputs {
  const [b = 0, h = 0, w = 0] = shape;
  const d = model.queryEmbed.shape[1];
  const stride = model.backbone.stride;
  const sizes = options.imageSizes;
  if (sizes !== undefined && sizes.length !== b) {
    throw new Error(`detrForward: expected ${b} imageSizes (one per image), got ${sizes.length}`);
  }
  const padded = sizes?.some((s) => Math.ceil(s.height / stride) < h || Math.ceil(s.width / stride) < w) ?? false;
  const notMask = padded && sizes !== undefined ? featureNotMask(sizes, { h, w }, stride) : (tf.ones([b, h, w]) as tf.Tensor3D); // [B, h, w]
  const pos = tf.tidy(() => tf.reshape(sinePositionEncoding(notMask, d), [b, h * w, d]) as tf.Tensor3D); // [B, N, D]
  const keyPaddingMask = padded ? tf.tidy(() => tf.reshape(tf.sub(1, notMask), [b, h * w]) as tf.Tensor2D) : null; // [B, N] 1 = padding
  notMask.dispose();
  return { pos, keyPaddingMask };
}

/** images [B, H, W, 3] RGB in [0, 1] → class logits and boxes after every decoder layer. */
export function detrForward(model: DetrModel, images: tf.Tensor4D, options: DetrForwardOptions): DetrOutput {
  if (model.kind === 'deformable') return deformableDetrForward(model, images, options);
  return tf.tidy(() => {
    const ctx = { training: options.training, rng: mulberry32(mixSeed(options.seed ?? 0, SALT.dropout)) };
    const features = backboneFeatures(model.backbone, images); // [B, h, w, C]
    const [b, h, w] = features.shape;
    const d = model.queryEmbed.shape[1];
    const src = tf.reshape(linear(model.inputProj, features), [b, h * w, d]) as tf.Tensor3D; // [B, N, D]
    const mem = memoryInputs(model, features.shape, options);
    const memory = encode(model.transformer, src, mem, ctx); // [B, N, D]
    const hs = decode(model.transformer, memory, mem, model.queryEmbed, ctx); // L × [B, Q, D]
    const stacked = tf.concat(hs, 0); // [L·B, Q, D]: one matMul per head for all layers
    const logits = linear(model.classHead, stacked); // [L·B, Q, K + 1]
    const boxes = tf.sigmoid(mlp(model.boxHead, stacked)); // [L·B, Q, 4] cxcywh in [0, 1]
    const layer = (t: tf.Tensor, i: number) => tf.slice(t, [i * b, 0, 0], [b, -1, -1]) as tf.Tensor3D; // [B, Q, ·]
    return { layers: hs.map((_, i) => ({ logits: layer(logits, i), boxes: layer(boxes, i) })) };
  });
}

/** The two parameter groups of the optimiser: the backbone (lower lr) and everything else. */
export function detrVariables(model: DetrModel): { backbone: tf.Variable[]; rest: tf.Variable[] } {
  if (model.kind === 'deformable') return deformableDetrVariables(model);
  const rest = [
    ...linearVariables(model.inputProj),
    ...transformerVariables(model.transformer),
    model.queryEmbed,
    ...linearVariables(model.classHead),
    ...mlpVariables(model.boxHead),
  ];
  return { backbone: [...model.backbone.variables], rest };
}

export function disposeDetr(model: DetrModel): void {
  disposeBackbone(model.backbone);
  const backbone = new Set<tf.Variable>(model.backbone.variables);
  const { backbone: slow, rest } = detrVariables(model); // the deformable detector's slow group holds more than the backbone
  for (const v of [...slow, ...rest]) if (!backbone.has(v)) v.dispose();
}
