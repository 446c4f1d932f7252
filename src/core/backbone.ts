// The detector's backbone: a SEPARATE, trainable MobileNetV2 ×1.4 (never frozen), started either from
// the frozen proposal encoder's ImageNet weights or from scratch (He-normal convolutions, zero biases,
// seeded). It hands one feature map to the transformer: stride 16 (136 channels) or stride 32 (1792).
//
// tfjs shares a new variable's buffer with its initial tensor until the first assign, so an 'encoder'
// copy costs no memory until training writes it, and writing it never touches the encoder. Only the
// layers up to the chosen level are copied. The forward pass is mobileNetV2Features' with the 1×1
// convolutions (most of the network) as 2-D matMuls: the same values, but their gradient is a matMul
// too, where the CPU backend's Conv2DBackpropFilter is a per-element scalar loop (a `tiny` step on
// 2×128² took 77 s with conv2d on the CPU backend, about 10 s with matMul). The 3×3 convolutions go
// through conv3x3.ts, which the wasm backend (no conv filter gradients) can train too.
//
// Dimensions: B batch, H×W image, h×w feature grid (H/s × W/s rounded up), C channels, E expanded.
import * as tf from '@tensorflow/tfjs';
import { conv3x3, depthwise3x3 } from './conv3x3';
import { dense } from './dense';
import type { BackboneConfig, DetrFeatureLevel } from './detrConfig';
import { normal, randomVariable } from './layers';
import type { BlockWeights, ConvWeights, MobileNetV2Weights } from './mobilenetV2';
import type { Rng } from './rng';

export interface DetrBackbone {
  /** The network maps [0,1] input to [-1,1]: x · inputScale − inputShift (as the encoder). */
  readonly inputScale: number;
  readonly inputShift: number;
  readonly stem: ConvWeights; // 3×3 stride 2, 3 → 48
  readonly blocks: readonly BlockWeights[]; // 13 (stride 16) or 17 (stride 32)
  readonly head: ConvWeights | null; // 1×1, 448 → 1792, stride 32 only
  readonly level: DetrFeatureLevel;
  readonly stride: 16 | 32;
  readonly channels: number; // C: 136 or 1792
  readonly variables: readonly tf.Variable[]; // all trainable, in network order
}

/** Blocks run before each level is read (stride 32 also runs the 1×1 head). */
const DEPTH: Readonly<Record<DetrFeatureLevel, number>> = { stride16: 13, stride32: 17 };
/** The blocks after which a multi-scale backbone hands out its maps: strides 8, 16 and 32 (no 1×1 head). */
export const MULTI_SCALE_DEPTHS = [6, 13, 17] as const;

type ConvFactory = (source: ConvWeights, depthwise: boolean) => ConvWeights;

/** A trainable copy that shares the encoder's buffers until first written. */
const copyConv: ConvFactory = (source) => ({
  filter: tf.variable(source.filter, true),
  bias: tf.variable(source.bias, true),
});

/**
 * He-normal filters (std √(2 / fan-in); a depthwise filter's fan-in is 9) and zero biases. Fan-in, not
 * torchvision's fan-out: with BatchNorm folded away nothing else keeps the activations' scale.
 */
function scratchConv(rng: Rng): ConvFactory {
  return (source, depthwise) => {
    const [kh, kw, cin] = source.filter.shape;
    const fanIn = kh * kw * (depthwise ? 1 : cin);
    return {
      filter: randomVariable<tf.Rank.R4>(source.filter.shape, normal(rng, Math.sqrt(2 / fanIn))),
      bias: tf.tidy(() => tf.variable(tf.zerosLike(source.bias), true)),
    };
  };
}

function copyBlock(block: BlockWeights, make: ConvFactory): BlockWeights {
  return {
    ...block,
    expand: block.expand === null ? null : make(block.expand, false),
    depthwise: make(block.depthwise, true),
    project: make(block.project, false),
  };
}

/**
 * Builds the backbone from the encoder's weights (their values for 'encoder', only their shapes for
 * 'scratch'). A multi-scale backbone (deformable attention) runs to stride 32 without the 1×1 head and
 * hands out three maps; cfg.featureLevel then does not apply.
 */
export function buildBackbone(cfg: BackboneConfig, encoder: MobileNetV2Weights, rng: Rng, multiScale = false): DetrBackbone {
  const make = cfg.init === 'encoder' ? copyConv : scratchConv(rng);
  const stem = make(encoder.stem, false);
  const blocks = encoder.blocks.slice(0, multiScale ? MULTI_SCALE_DEPTHS[2] : DEPTH[cfg.featureLevel]).map((b) => copyBlock(b, make));
  const head = !multiScale && cfg.featureLevel === 'stride32' ? make(encoder.head, false) : null;
  const convs = [stem, ...blocks.flatMap((b) => [b.expand, b.depthwise, b.project]), head];
  const variables = convs.flatMap((c) => (c === null ? [] : [c.filter, c.bias]));
  return {
    inputScale: encoder.inputScale,
    inputShift: encoder.inputShift,
    stem,
    blocks,
    head,
    level: cfg.featureLevel,
    stride: multiScale || cfg.featureLevel === 'stride32' ? 32 : 16,
    channels: multiScale ? (blocks.at(-1)?.project.bias.shape[0] ?? 0) : encoder.channels[cfg.featureLevel], // the last map's
    variables,
  };
}

/** A 1×1 convolution as a 2-D matMul: x [B, h, w, Cin] → [B, h, w, Cout]. */
function pointwise(x: tf.Tensor4D, w: ConvWeights, relu6: boolean): tf.Tensor4D {
  const [b, h, wd, cin] = x.shape;
  const cout = w.bias.shape[0];
  const rows = tf.reshape(x, [b * h * wd, cin]) as tf.Tensor2D; // [B·h·w, Cin]
  const filter = tf.reshape(w.filter, [cin, cout]) as tf.Tensor2D; // [Cin, Cout]
  const y = dense(rows, filter, w.bias, relu6 ? 'relu6' : 'linear'); // [B·h·w, Cout]
  return tf.reshape(y, [b, h, wd, cout]);
}

function invertedResidual(x: tf.Tensor4D, block: BlockWeights): tf.Tensor4D {
  const expanded = block.expand === null ? x : pointwise(x, block.expand, true); // [B, h, w, E]
  const filtered = depthwise3x3(expanded, block.depthwise, block.stride, 'relu6'); // [B, h/s, w/s, E]
  const projected = pointwise(filtered, block.project, false); // [B, h/s, w/s, Cout], linear bottleneck
  return block.residual ? tf.add(x, projected) : projected; // [B, h/s, w/s, Cout]
}

/** images [B, H, W, 3] RGB in [0, 1] → [B, h, w, C]; equals mobileNetV2Features at the same level. */
export function backboneFeatures(backbone: DetrBackbone, images: tf.Tensor4D): tf.Tensor4D {
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new Error(`backboneFeatures: expected images of shape [B, H, W, 3], got [${images.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const { stem, head } = backbone;
    const scaled = tf.sub<tf.Tensor4D>(tf.mul(images, backbone.inputScale), backbone.inputShift); // [B, H, W, 3] in [-1, 1]
    let x = conv3x3(scaled, stem, 2, 'relu6'); // [B, H/2, W/2, 48]
    for (const block of backbone.blocks) x = invertedResidual(x, block); // [B, H/s, W/s, C]
    return head === null ? x : pointwise(x, head, true); // [B, h, w, C]
  });
}

/** Channels of a multi-scale backbone's maps (strides 8, 16, 32). */
export function multiScaleChannels(backbone: DetrBackbone): number[] {
  return MULTI_SCALE_DEPTHS.map((depth) => backbone.blocks[depth - 1]?.project.bias.shape[0] ?? 0);
}

/** images [B, H, W, 3] → the maps at strides 8, 16 and 32, each [B, H/s, W/s, C_s], of a multi-scale backbone. */
export function backboneMaps(backbone: DetrBackbone, images: tf.Tensor4D): tf.Tensor4D[] {
  if (backbone.head !== null || backbone.blocks.length !== MULTI_SCALE_DEPTHS[2]) throw new Error('backboneMaps: expected a multi-scale backbone');
  return tf.tidy(() => {
    const scaled = tf.sub<tf.Tensor4D>(tf.mul(images, backbone.inputScale), backbone.inputShift); // [B, H, W, 3] in [-1, 1]
    let x = conv3x3(scaled, backbone.stem, 2, 'relu6'); // [B, H/2, W/2, 48]
    const maps: tf.Tensor4D[] = [];
    backbone.blocks.forEach((block, i) => {
      x = invertedResidual(x, block);
      if ((MULTI_SCALE_DEPTHS as readonly number[]).includes(i + 1)) maps.push(x); // [B, H/s, W/s, C_s]
    });
    return maps;
  });
}

/** Disposes the backbone's own variables; the encoder's stay. */
export function disposeBackbone(backbone: DetrBackbone): void {
  for (const v of backbone.variables) v.dispose();
}
