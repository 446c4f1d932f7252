// The nine-tap 3×3 convolutions (what the wasm backend trains with) against tfjs's own ops on the
// CPU backend: values and gradients for the input and the filter, odd and even sizes, strides 1
// and 2, and which path each backend takes.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv3x3, depthwise3x3, taps3x3, type Conv3x3Weights } from './conv3x3';
import { switchBackend } from '../testing/backends';

beforeAll(async () => {
  await switchBackend('cpu');
});
afterAll(async () => {
  await switchBackend('cpu');
});

type Op = (x: tf.Tensor4D, w: Conv3x3Weights, stride: 1 | 2) => tf.Tensor4D;

/** Output, d(Σ out²)/dx and d(Σ out²)/dfilter on the given backend, read back as arrays. */
async function run(backend: 'cpu' | 'wasm', op: Op, x: number[], xShape: number[], f: number[], fShape: number[], stride: 1 | 2): Promise<Float32Array[]> {
  await switchBackend(backend);
  const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
  const ft = tf.tensor4d(f, fShape as [number, number, number, number]);
  const bias = tf.linspace(-0.5, 0.5, fShape[3] === 1 ? fShape[2]! : fShape[3]!) as tf.Tensor1D;
  const y = op(xt, { filter: ft, bias }, stride);
  const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(op(a as tf.Tensor4D, { filter: b as tf.Tensor4D, bias }, stride))))([xt, ft]);
  const out = await Promise.all([y, gx!, gf!].map((t) => t.data<'float32'>()));
  tf.dispose([xt, ft, bias, y, gx, gf]);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);
}

const CASES: [number, number, 1 | 2][] = [[9, 7, 1], [9, 7, 2], [8, 10, 2], [6, 6, 1], [5, 12, 2], [1, 1, 2]];

describe('3×3 convolutions on the wasm backend equal tfjs ops on the CPU backend', () => {
  const rand = (n: number, seed: number) => Array.from(tf.randomNormal([n], 0, 1, 'float32', seed).dataSync());

  it.each(CASES)('depthwise %i×%i stride %i: values and both gradients', async (h, w, s) => {
    const [b, c] = [2, 5];
    const [x, f] = [rand(b * h * w * c, h * 10 + w), rand(9 * c, s)];
    const ref = await run('cpu', (a, wt, st) => depthwise3x3(a, wt, st, 'relu6'), x, [b, h, w, c], f, [3, 3, c, 1], s);
    const ours = await run('wasm', (a, wt, st) => depthwise3x3(a, wt, st, 'relu6'), x, [b, h, w, c], f, [3, 3, c, 1], s);
    ref.forEach((r, i) => expect(maxAbsDiff(ours[i]!, r)).toBeLessThan(1e-4 * Math.max(1, ...r.map(Math.abs))));
  });

  it.each(CASES)('full conv %i×%i stride %i: values and both gradients', async (h, w, s) => {
    const [b, c, o] = [2, 3, 4];
    const [x, f] = [rand(b * h * w * c, h * 10 + w + 1), rand(9 * c * o, s + 7)];
    const ref = await run('cpu', (a, wt, st) => conv3x3(a, wt, st, 'linear'), x, [b, h, w, c], f, [3, 3, c, o], s);
    const ours = await run('wasm', (a, wt, st) => conv3x3(a, wt, st, 'linear'), x, [b, h, w, c], f, [3, 3, c, o], s);
    ref.forEach((r, i) => expect(maxAbsDiff(ours[i]!, r)).toBeLessThan(1e-4 * Math.max(1, ...r.map(Math.abs))));
  });
});

describe('taps3x3', () => {
  it('puts the input pixel under each filter cell, zero outside (stride 2, even size pads bottom/right)', async () => {
    await switchBackend('cpu');
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]); // 1..16 row-major
    const taps = taps3x3(x, 2);
    expect(taps).toHaveLength(9);
    // No top/left padding: output (i, j) under cell (ky, kx) reads input (2i + ky, 2j + kx).
    expect(Array.from(await taps[0]!.data())).toEqual([1, 3, 9, 11]);
    expect(Array.from(await taps[4]!.data())).toEqual([6, 8, 14, 16]);
    expect(Array.from(await taps[8]!.data())).toEqual([11, 0, 0, 0]); // rows and columns 4 are padding
    tf.dispose([x, ...taps]);
  });

  it('takes the native ops where the backend has their gradient kernels, the taps on wasm', async () => {
    await switchBackend('cpu');
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'cpu')).toBeDefined();
    await switchBackend('wasm');
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  it('leaks no tensor', async () => {
    await switchBackend('wasm');
    const x = tf.randomNormal([1, 7, 9, 4]) as tf.Tensor4D;
    const w = { filter: tf.randomNormal([3, 3, 4, 1]) as tf.Tensor4D, bias: tf.zeros([4]) as tf.Tensor1D };
    const before = tf.memory().numTensors;
    tf.dispose(depthwise3x3(x, w, 2, 'relu6'));
    tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(depthwise3x3(a as tf.Tensor4D, w, 1, 'linear')))([x]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w.filter, w.bias]);
  });
});
