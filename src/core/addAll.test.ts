// addAll against the plain sum, and never more inputs per kernel than WebGPU can bind.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADD_N_MAX, addAll } from './addAll';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('addAll', () => {
  it.each([1, ADD_N_MAX, ADD_N_MAX + 1, 50, 161])('sums %i tensors as tf.addN does, in chunks WebGPU can bind', async (n) => {
    const xs = Array.from({ length: n }, (_, i) => tf.tensor1d([i, -2 * i, 0.5]));
    const sum = addAll(xs);
    expect(Array.from(await sum.data())).toEqual([(n * (n - 1)) / 2, -n * (n - 1), n / 2]);
    const profile = await tf.profile(() => tf.tidy(() => addAll(xs)));
    expect(Math.max(0, ...profile.kernels.map((k) => k.inputShapes.length))).toBeLessThanOrEqual(ADD_N_MAX);
    tf.dispose([...xs, sum, profile.result as tf.Tensor]);
  });

  it('refuses nothing to add', () => {
    expect(() => addAll([])).toThrow(/nothing to add/);
  });
});
