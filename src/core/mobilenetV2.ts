// MobileNetV2 ×1.4 (Sandler et al., 2018) written with tfjs ops, its ImageNet weights loaded by name
// from the graph model extracted at install (public/models/mobilenet_v2_140, DESIGN §5). BatchNorm is
// folded into each convolution's bias. Weights are tf.Variables, so one network serves both as the
// frozen proposal encoder (trainable: false) and as the detector's trainable backbone.
//
// Dimensions: B batch, H×W image size, C channels, E expanded channels of a block.
// Every convolution pads like TF 'SAME' (as the graph does), so a stride-s map is ceil(H/s)×ceil(W/s);
// on odd sizes a stride-2 convolution pads one more pixel at the bottom/right than at the top/left.
import * as tf from '@tensorflow/tfjs';
import { readWeightArrays, type WeightArrays } from './mobilenetWeights';

export type FeatureLevel = 'stride8' | 'stride16' | 'stride32';

/** The graph model's node for each level (what our network is tested against). */
export const FEATURE_NODES: Readonly<Record<FeatureLevel, string>> = {
  stride8: 'MobilenetV2/expanded_conv_5/add',
  stride16: 'MobilenetV2/expanded_conv_12/add',
  stride32: 'MobilenetV2/Conv_1/Relu6',
};

/** Depthwise stride of the blocks expanded_conv, expanded_conv_1, …, expanded_conv_16. */
const BLOCK_STRIDES = [1, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1] as const;
/** How many blocks run before each level is read (stride32 is the 1×1 Conv_1 after all blocks). */
const LEVEL_DEPTH: Readonly<Record<FeatureLevel, number>> = { stride8: 6, stride16: 13, stride32: 17 };
const SCOPE = 'MobilenetV2';

/** A convolution with its folded-BatchNorm bias. */
export interface ConvWeights {
  readonly filter: tf.Variable<tf.Rank.R4>; // [kh, kw, Cin, Cout]; depthwise: [3, 3, E, 1]
  readonly bias: tf.Variable<tf.Rank.R1>; // [Cout]
}

/** An inverted residual block: 1×1 expand (absent in the first), 3×3 depthwise, linear 1×1 project. */
export interface BlockWeights {
  readonly expand: ConvWeights | null;
  readonly depthwise: ConvWeights;
  readonly project: ConvWeights;
  readonly stride: 1 | 2;
  readonly residual: boolean; // stride 1 and Cin = Cout
}

export interface MobileNetV2Weights {
  /** The graph maps the [0,1] input to [-1,1] itself: x · inputScale − inputShift (2 and 1). */
  readonly inputScale: number;
  readonly inputShift: number;
  readonly stem: ConvWeights; // 3×3 stride 2, 3 → 48
  readonly blocks: readonly BlockWeights[]; // 17
  readonly head: ConvWeights; // 1×1, 448 → 1792
  readonly channels: Readonly<Record<FeatureLevel, number>>; // 48, 136, 1792
}

export interface MobileNetV2LoadOptions {
  /** Whether optimisers see the weights (the detector's backbone) or not (the frozen encoder). */
  readonly trainable?: boolean;
}

/** Builds the variables from named weight arrays, checking each shape against the chain so far. */
class WeightReader {
  readonly created: tf.Variable[] = [];
  constructor(
    private readonly arrays: WeightArrays,
    private readonly trainable: boolean,
  ) {}

  scalar(name: string): number {
    const w = this.get(name, []);
    return w.values[0] ?? Number.NaN;
  }

  /** Reads `<prefix>_weights` and `<prefix>_bn_offset`; `cin` is the incoming channel count. */
  conv(prefix: string, cin: number, kernel: number, depthwise = false): ConvWeights {
    const w = this.get(`${SCOPE}/${prefix}_weights`, [kernel, kernel, cin, depthwise ? 1 : -1]);
    const cout = depthwise ? cin : (w.shape[3] ?? 0);
    const b = this.get(`${SCOPE}/${prefix}_bn_offset`, [cout]);
    const filter = this.variable(() => tf.tensor4d(w.values, [kernel, kernel, cin, depthwise ? 1 : cout]));
    const bias = this.variable(() => tf.tensor1d(b.values));
    return { filter, bias };
  }

  /** tf.variable shares the initial tensor's data and leaves that tensor alive: tidy disposes it. */
  private variable<R extends tf.Rank>(initial: () => tf.Tensor<R>): tf.Variable<R> {
    const v = tf.tidy(() => tf.variable(initial(), this.trainable));
    this.created.push(v);
    return v;
  }

  private get(name: string, shape: readonly number[]): { shape: readonly number[]; values: Float32Array } {
    const w = this.arrays.get(name);
    if (w === undefined) {
      throw new Error(`MobileNetV2 weights: expected a weight named ${name}, which model.json lacks`);
    }
    const ok = w.shape.length === shape.length && shape.every((d, i) => d < 0 || w.shape[i] === d);
    if (!ok) {
      throw new Error(`MobileNetV2 weights: expected ${name} of shape [${shape.join(', ')}], got [${w.shape.join(', ')}]`);
    }
    return w;
  }
}

const blockName = (i: number): string => (i === 0 ? 'expanded_conv' : `expanded_conv_${i}`);

function readBlocks(reader: WeightReader, cin: number): BlockWeights[] {
  return BLOCK_STRIDES.map((stride, i) => {
    const name = blockName(i);
    const expand = i === 0 ? null : reader.conv(`${name}/expand/Conv2D`, cin, 1);
    const e = expand === null ? cin : expand.bias.shape[0];
    const depthwise = reader.conv(`${name}/depthwise/depthwise`, e, 3, true);
    const project = reader.conv(`${name}/project/Conv2D`, e, 1);
    const cout = project.bias.shape[0];
    const block: BlockWeights = { expand, depthwise, project, stride, residual: stride === 1 && cin === cout };
    cin = cout;
    return block;
  });
}

/**
 * Loads the network from the extracted model.json (already parsed, any shape: it is checked) and its
 * weight files (`weightsManifest[*].paths`, in order). Dispose with `disposeMobileNetV2Weights`.
 */
export function loadMobileNetV2Weights(
  modelJson: unknown,
  buffers: readonly ArrayBuffer[],
  options: MobileNetV2LoadOptions = {},
): MobileNetV2Weights {
  const reader = new WeightReader(readWeightArrays(modelJson, buffers), options.trainable ?? false);
  try {
    const inputScale = reader.scalar('hub_input/Mul/y');
    const inputShift = reader.scalar('hub_input/Sub/y');
    const stem = reader.conv('Conv/Conv2D', 3, 3);
    const blocks = readBlocks(reader, stem.bias.shape[0]);
    const last = blocks[blocks.length - 1];
    const head = reader.conv('Conv_1/Conv2D', last?.project.bias.shape[0] ?? 0, 1);
    const outChannels = (depth: number): number => blocks[depth - 1]?.project.bias.shape[0] ?? 0;
    const channels = {
      stride8: outChannels(LEVEL_DEPTH.stride8),
      stride16: outChannels(LEVEL_DEPTH.stride16),
      stride32: head.bias.shape[0],
    };
    return { inputScale, inputShift, stem, blocks, head, channels };
  } catch (error) {
    for (const v of reader.created) v.dispose();
    throw error;
  }
}

/** Every variable, in a fixed order (stem, blocks, head): what an optimiser or an export walks. */
export function mobileNetV2Variables(weights: MobileNetV2Weights): tf.Variable[] {
  const convs = [weights.stem, ...weights.blocks.flatMap((b) => [b.expand, b.depthwise, b.project]), weights.head];
  return convs.flatMap((c) => (c === null ? [] : [c.filter, c.bias]));
}

export function disposeMobileNetV2Weights(weights: MobileNetV2Weights): void {
  for (const v of mobileNetV2Variables(weights)) v.dispose();
}

function conv(x: tf.Tensor4D, w: ConvWeights, stride: 1 | 2, relu6: boolean): tf.Tensor4D {
  const activation = relu6 ? 'relu6' : 'linear';
  return tf.fused.conv2d({ x, filter: w.filter, strides: stride, pad: 'same', bias: w.bias, activation });
}

function invertedResidual(x: tf.Tensor4D, block: BlockWeights): tf.Tensor4D {
  const expanded = block.expand === null ? x : conv(x, block.expand, 1, true); // [B, h, w, E]
  const filtered = tf.fused.depthwiseConv2d({
    x: expanded,
    filter: block.depthwise.filter,
    strides: block.stride,
    pad: 'same',
    bias: block.depthwise.bias,
    activation: 'relu6',
  }); // [B, h/s, w/s, E]
  const projected = conv(filtered, block.project, 1, false); // [B, h/s, w/s, Cout], linear bottleneck
  return block.residual ? tf.add(x, projected) : projected; // [B, h/s, w/s, Cout]
}

/**
 * Feature maps of `images` ([B, H, W, 3] RGB in [0, 1]) at the requested levels; only the blocks the
 * deepest requested level needs are run. stride8: [B, H/8, W/8, 48], stride16: [B, H/16, W/16, 136],
 * stride32: [B, H/32, W/32, 1792] (sizes rounded up).
 */
export function mobileNetV2Features<L extends FeatureLevel>(
  weights: MobileNetV2Weights,
  images: tf.Tensor4D,
  levels: readonly L[],
): Record<L, tf.Tensor4D> {
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new Error(`mobileNetV2Features: expected images of shape [B, H, W, 3], got [${images.shape.join(', ')}]`);
  }
  if (levels.length === 0) throw new Error('mobileNetV2Features: expected at least one level');
  const depth = Math.max(...levels.map((l) => LEVEL_DEPTH[l]));
  return tf.tidy(() => {
    const found = new Map<FeatureLevel, tf.Tensor4D>();
    let x = tf.sub<tf.Tensor4D>(tf.mul(images, weights.inputScale), weights.inputShift); // [B, H, W, 3] in [-1, 1]
    x = conv(x, weights.stem, 2, true); // [B, H/2, W/2, 48]
    for (let i = 0; i < depth && i < weights.blocks.length; i++) {
      const block = weights.blocks[i];
      if (block !== undefined) x = invertedResidual(x, block); // [B, H/s, W/s, C]
      if (i + 1 === LEVEL_DEPTH.stride8) found.set('stride8', x); // [B, H/8, W/8, 48]
      if (i + 1 === LEVEL_DEPTH.stride16) found.set('stride16', x); // [B, H/16, W/16, 136]
    }
    if (depth === LEVEL_DEPTH.stride32) found.set('stride32', conv(x, weights.head, 1, true)); // [B, H/32, W/32, 1792]
    const result = {} as Record<L, tf.Tensor4D>;
    for (const level of levels) {
      const t = found.get(level);
      if (t === undefined) throw new Error(`mobileNetV2Features: level ${level} was not computed`);
      result[level] = t;
    }
    return result;
  });
}
