// The building blocks against plain-JS arithmetic: linear on 3-D input (and its weight gradient's
// shape: tfjs #8721), init bounds and determinism, LayerNorm, the MLP, and dropout's modes.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLayerNorm,
  buildLinear,
  buildMlp,
  dropout,
  layerNorm,
  linear,
  linearVariables,
  mlp,
  mlpVariables,
} from './layers';
import { mulberry32 } from './rng';

const flat = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const matrix = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('linear', () => {
  it('maps [B, N, C] → [B, N, D] as x·W + b row by row, with a weight gradient of shape [C, D]', () => {
    const layer = buildLinear(5, 3, mulberry32(1), 'torch');
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 2);
    const y = linear(layer, x);
    expect(y.shape).toEqual([2, 4, 3]);
    const w = matrix(layer.weight);
    const b = flat(layer.bias!);
    const rows = (x.arraySync() as number[][][]).flat();
    const expected = rows.flatMap((r) => b.map((bj, j) => bj + r.reduce((s, xi, i) => s + xi * w[i]![j]!, 0)));
    flat(y).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));

    const { grads } = tf.variableGrads(() => tf.sum(linear(layer, x)) as tf.Scalar, linearVariables(layer));
    expect(grads[layer.weight.name]!.shape).toEqual([5, 3]);
    const colSums = [0, 1, 2, 3, 4].map((i) => rows.reduce((s, r) => s + r[i]!, 0)); // d/dW_ij Σy = Σ_rows x_i
    matrix(grads[layer.weight.name]!).forEach((row, i) => row.forEach((g) => expect(g).toBeCloseTo(colSums[i]!, 4)));
    expect(flat(grads[layer.bias!.name]!)).toEqual([8, 8, 8]);
    tf.dispose([x, y, grads, ...linearVariables(layer)]);
  });

  it('initialises within the xavier / torch bounds, deterministically for a seed', () => {
    const xavier = buildLinear(20, 30, mulberry32(3), 'xavier');
    const torch = buildLinear(20, 30, mulberry32(3), 'torch');
    const again = buildLinear(20, 30, mulberry32(3), 'xavier');
    expect(Math.max(...flat(xavier.weight).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 50));
    expect(flat(xavier.bias!).every((v) => v === 0)).toBe(true);
    expect(Math.max(...flat(torch.weight).map(Math.abs), ...flat(torch.bias!).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(20));
    expect(flat(again.weight)).toEqual(flat(xavier.weight));
    expect(flat(torch.weight)).not.toEqual(flat(xavier.weight));
    expect(buildLinear(4, 4, mulberry32(0), 'xavier', false).bias).toBeNull();
    tf.dispose([xavier, torch, again].flatMap(linearVariables));
  });
});

describe('layerNorm', () => {
  it('normalises the last axis to zero mean and unit variance (eps 1e-5), then scales and shifts', () => {
    const norm = buildLayerNorm(4);
    norm.gamma.assign(tf.tensor1d([1, 2, 3, 4]));
    norm.beta.assign(tf.tensor1d([0, 1, 0, -1]));
    const rows = [[1, 2, 3, 4], [-3, 0, 0, 7]];
    const y = layerNorm(norm, tf.tensor3d([rows]));
    const expected = rows.flatMap((r) => {
      const mean = r.reduce((a, b) => a + b) / 4;
      const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      return r.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * [1, 2, 3, 4][i]! + [0, 1, 0, -1][i]!);
    });
    flat(y).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    tf.dispose([y, norm.gamma, norm.beta]);
  });
});

describe('mlp', () => {
  it('applies ReLU between layers and not after the last', () => {
    const net = buildMlp(3, 8, 2, 3, mulberry32(4));
    expect(net.layers.map((l) => l.weight.shape)).toEqual([[3, 8], [8, 8], [8, 2]]);
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 5);
    const manual = tf.tidy(() => linear(net.layers[2]!, tf.relu(linear(net.layers[1]!, tf.relu(linear(net.layers[0]!, x))))));
    const y = mlp(net, x);
    expect(flat(y)).toEqual(flat(manual));
    expect(flat(y).some((v) => v < 0)).toBe(true); // no ReLU at the end
    tf.dispose([x, y, manual, ...mlpVariables(net)]);
  });
});

describe('dropout', () => {
  it('is the identity when not training or at rate 0; inverted and seeded when training', () => {
    const x = tf.ones([1000]);
    expect(dropout(x, 0.5, { training: false, rng: mulberry32(0) })).toBe(x);
    expect(dropout(x, 0, { training: true, rng: mulberry32(0) })).toBe(x);
    const a = dropout(x, 0.5, { training: true, rng: mulberry32(7) });
    const b = dropout(x, 0.5, { training: true, rng: mulberry32(7) });
    const c = dropout(x, 0.5, { training: true, rng: mulberry32(8) });
    const values = flat(a);
    expect(values.every((v) => v === 0 || v === 2)).toBe(true);
    expect(values.filter((v) => v === 0).length).toBeGreaterThan(400);
    expect(values.filter((v) => v === 0).length).toBeLessThan(600);
    expect(flat(b)).toEqual(values);
    expect(flat(c)).not.toEqual(values);
    tf.dispose([x, a, b, c]);
  });
});
