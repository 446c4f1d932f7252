// The small trainable pieces the detector is built from: linear layers, LayerNorm, an MLP and dropout.
// Weights are tf.Variables drawn from a seeded Rng in plain JS, so an init replays exactly on any backend.
// Linear layers multiply 2-D matrices only: tfjs's broadcast matMul([B, N, C], [C, D]) has a gradient
// of the wrong shape (tfjs #8721), so every input is flattened to [M, C] first.
//
// Dimensions: M rows (all leading dimensions flattened), C input features, D output features.
import * as tf from '@tensorflow/tfjs';
import { dense } from './dense';
import { randNormal, type Rng } from './rng';

/**
 * How a linear layer starts. 'xavier': Glorot-uniform weight, zero bias (detr's transformer);
 * 'torch': PyTorch's nn.Linear default, U(±1/√C) for weight and bias (detr's heads and input projection).
 */
export type LinearInit = 'xavier' | 'torch';

export interface Linear {
  readonly weight: tf.Variable<tf.Rank.R2>; // [C, D]
  readonly bias: tf.Variable<tf.Rank.R1> | null; // [D]
}

export interface LayerNorm {
  readonly gamma: tf.Variable<tf.Rank.R1>; // [D]
  readonly beta: tf.Variable<tf.Rank.R1>; // [D]
}

/** Linear layers with ReLU between them (none after the last): detr's MLP. */
export interface Mlp {
  readonly layers: readonly Linear[];
}

/** What a forward pass needs besides weights: whether it trains, and where dropout masks come from. */
export interface ForwardContext {
  readonly training: boolean;
  /** Draws one seed per dropout mask, so a training step replays from its seed. */
  readonly rng: Rng;
}

/** A trainable variable filled by `sample` (called once per element, row-major). */
export function randomVariable<R extends tf.Rank>(shape: readonly number[], sample: () => number): tf.Variable<R> {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = sample();
  return tf.tidy(() => tf.variable(tf.tensor<tf.Rank>(values, [...shape]), true)) as tf.Variable<R>;
}

export function constantVariable(dim: number, value: number): tf.Variable<tf.Rank.R1> {
  return tf.tidy(() => tf.variable(tf.fill([dim], value), true));
}

export const uniform = (rng: Rng, bound: number) => (): number => (2 * rng() - 1) * bound;
export const normal = (rng: Rng, std: number) => (): number => randNormal(rng) * std;

export function buildLinear(inDim: number, outDim: number, rng: Rng, init: LinearInit, bias = true): Linear {
  const bound = init === 'xavier' ? Math.sqrt(6 / (inDim + outDim)) : 1 / Math.sqrt(inDim);
  const weight = randomVariable<tf.Rank.R2>([inDim, outDim], uniform(rng, bound));
  if (!bias) return { weight, bias: null };
  const b = init === 'xavier' ? constantVariable(outDim, 0) : randomVariable<tf.Rank.R1>([outDim], uniform(rng, bound));
  return { weight, bias: b };
}

/** x [..., C] → [..., D], through a 2-D matMul. */
export function linear(layer: Linear, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [c, d] = layer.weight.shape;
    const rows = tf.reshape(x, [-1, c]) as tf.Tensor2D; // [M, C]
    const y = dense(rows, layer.weight, layer.bias); // [M, D]
    return tf.reshape(y, [...x.shape.slice(0, -1), d]); // [..., D]
  });
}

export function linearVariables(layer: Linear): tf.Variable[] {
  return layer.bias === null ? [layer.weight] : [layer.weight, layer.bias];
}

export function buildLayerNorm(dim: number): LayerNorm {
  return { gamma: constantVariable(dim, 1), beta: constantVariable(dim, 0) };
}

/** Normalises over the last axis (eps 1e-5, as torch.nn.LayerNorm). */
export function layerNorm(norm: LayerNorm, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))); // [..., D]
    return tf.add(tf.mul(normed, norm.gamma), norm.beta); // [..., D]
  });
}

export function layerNormVariables(norm: LayerNorm): tf.Variable[] {
  return [norm.gamma, norm.beta];
}

/** numLayers linear layers: inDim → hiddenDim → … → outDim, PyTorch-default init. */
export function buildMlp(inDim: number, hiddenDim: number, outDim: number, numLayers: number, rng: Rng): Mlp {
  const dims = [inDim, ...Array.from({ length: numLayers - 1 }, () => hiddenDim), outDim];
  return { layers: dims.slice(1).map((d, i) => buildLinear(dims[i] ?? inDim, d, rng, 'torch')) };
}

/** x [..., C] → [..., D]. */
export function mlp(net: Mlp, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    net.layers.reduce((h, layer, i) => {
      const y = linear(layer, h); // [..., hidden or D]
      return i < net.layers.length - 1 ? tf.relu(y) : y;
    }, x),
  );
}

export function mlpVariables(net: Mlp): tf.Variable[] {
  return net.layers.flatMap(linearVariables);
}

/** Inverted dropout while training; the identity otherwise or at rate 0. */
export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate === 0) return x;
  const seed = Math.floor(ctx.rng() * 0x7fffffff);
  return tf.tidy(() => tf.dropout(x, rate, undefined, seed));
}
