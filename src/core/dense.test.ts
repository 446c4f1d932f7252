// dense on the wasm backend (its own gradient) against tfjs's fused matMul on the CPU backend:
// values and the gradients for input, weight and bias, with and without bias, linear and relu6.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { dense, type DenseActivation } from './dense';
import { switchBackend, type NodeBackend } from '../testing/backends';

afterAll(async () => {
  await switchBackend('cpu');
});

async function run(backend: NodeBackend, withBias: boolean, activation: DenseActivation): Promise<Float32Array[]> {
  await switchBackend(backend);
  // Values spread so that relu6 clips some outputs at both ends.
  const a = tf.tensor2d(Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i * 1.7) * 8), [7, 5]);
  const w = tf.tensor2d(Array.from({ length: 5 * 3 }, (_, i) => Math.cos(i * 0.9)), [5, 3]);
  const b = tf.tensor1d([0.5, -1, 2]);
  const dy = tf.tensor2d(Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i)), [7, 3]);
  const f = (...xs: tf.Tensor[]) => tf.sum(tf.mul(dense(xs[0] as tf.Tensor2D, xs[1] as tf.Tensor2D, withBias ? (xs[2] as tf.Tensor1D) : null, activation), dy));
  const y = dense(a, w, withBias ? b : null, activation);
  const grads = tf.grads(f)(withBias ? [a, w, b] : [a, w]);
  const out = await Promise.all([y, ...grads].map((t) => t.data<'float32'>()));
  tf.dispose([a, w, b, dy, y, grads]);
  return out;
}

describe('dense', () => {
  it.each([
    [true, 'linear'],
    [true, 'relu6'],
    [false, 'linear'],
    [false, 'relu6'],
  ] as const)('bias %s, %s: wasm values and gradients equal the CPU backend', async (withBias, activation) => {
    const ref = await run('cpu', withBias, activation);
    const ours = await run('wasm', withBias, activation);
    expect(ours).toHaveLength(withBias ? 4 : 3);
    ref.forEach((r, i) => {
      const o = ours[i]!;
      expect(o.length).toBe(r.length);
      r.forEach((v, j) => expect(o[j]).toBeCloseTo(v, 4));
    });
    if (activation === 'relu6') expect(ref[0]!.some((v) => v === 6) && ref[0]!.some((v) => v === 0)).toBe(true);
  });

  it('leaks no tensor through its gradient', async () => {
    await switchBackend('wasm');
    const a = tf.ones([4, 3]) as tf.Tensor2D;
    const w = tf.ones([3, 2]) as tf.Tensor2D;
    const b = tf.ones([2]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    tf.dispose(tf.grads((x: tf.Tensor, wt: tf.Tensor, bt: tf.Tensor) => tf.sum(dense(x as tf.Tensor2D, wt as tf.Tensor2D, bt as tf.Tensor1D, 'relu6')))([a, w, b]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, w, b]);
  });
});
