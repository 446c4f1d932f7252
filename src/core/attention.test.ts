// Multi-head attention against a slow plain-JS reference (a loop over images, heads and queries),
// with and without a key padding mask; padded keys change nothing; every weight gets a gradient.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { attentionVariables, buildAttention, multiHeadAttention, type Attention } from './attention';
import type { Linear } from './layers';
import { mulberry32 } from './rng';

type M = number[][];
const EVAL = { training: false, rng: mulberry32(0) };

/** x [N, C] · W [C, D] + b. */
function project(x: M, layer: Linear): M {
  const w = layer.weight.arraySync();
  const b = layer.bias === null ? null : layer.bias.arraySync();
  return x.map((row) => w[0]!.map((_, j) => row.reduce((s, xi, i) => s + xi * w[i]![j]!, b?.[j] ?? 0)));
}

/** One image: query [Nq, D], key/value [Nk, D], padding [Nk] (1 = padding). */
function reference(attn: Attention, query: M, key: M, value: M, padding: number[]): M {
  const [q, k, v] = [project(query, attn.query), project(key, attn.key), project(value, attn.value)];
  const d = q[0]!.length;
  const dh = d / attn.numHeads;
  const merged: M = q.map(() => new Array<number>(d).fill(0));
  for (let h = 0; h < attn.numHeads; h++) {
    for (let i = 0; i < q.length; i++) {
      const scores = k.map((kj, j) => {
        let s = 0;
        for (let c = h * dh; c < (h + 1) * dh; c++) s += q[i]![c]! * kj[c]!;
        return padding[j] === 1 ? -Infinity : s / Math.sqrt(dh);
      });
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const total = e.reduce((a, b) => a + b);
      for (let c = h * dh; c < (h + 1) * dh; c++) merged[i]![c] = e.reduce((s, ej, j) => s + (ej / total) * v[j]![c]!, 0);
    }
  }
  return project(merged, attn.out);
}

function randomInputs(b: number, nq: number, nk: number, d: number, seed: number): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
  return [
    tf.randomNormal([b, nq, d], 0, 1, 'float32', seed) as tf.Tensor3D,
    tf.randomNormal([b, nk, d], 0, 1, 'float32', seed + 1) as tf.Tensor3D,
    tf.randomNormal([b, nk, d], 0, 1, 'float32', seed + 2) as tf.Tensor3D,
  ];
}

function maxDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('multiHeadAttention', () => {
  const attn = buildAttention(8, 2, mulberry32(11));
  const [query, key, value] = randomInputs(2, 3, 5, 8, 20);

  it.each([
    ['without a mask', null],
    ['with a key padding mask', [[0, 0, 0, 1, 1], [0, 1, 0, 0, 1]]],
  ])('equals the plain-JS reference %s', (_, padding) => {
    const mask = padding === null ? null : tf.tensor2d(padding);
    const out = multiHeadAttention(attn, { query, key, value, keyPaddingMask: mask }, 0, EVAL);
    expect(out.shape).toEqual([2, 3, 8]);
    const [qs, ks, vs] = [query, key, value].map((t) => t.arraySync() as number[][][]) as [M[], M[], M[]];
    const expected = [0, 1].flatMap((b) => reference(attn, qs[b]!, ks[b]!, vs[b]!, padding?.[b] ?? [0, 0, 0, 0, 0]).flat());
    expect(maxDiff(Array.from(out.dataSync()), expected)).toBeLessThan(1e-5);
    tf.dispose([out, mask ?? []]);
  });

  it('ignores what padded keys hold', () => {
    const mask = tf.tensor2d([[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]]);
    const garbage = tf.concat([tf.slice(value, [0, 0, 0], [2, 3, 8]), tf.fill([2, 2, 8], 100)], 1) as tf.Tensor3D;
    const a = multiHeadAttention(attn, { query, key, value, keyPaddingMask: mask }, 0, EVAL);
    const b = multiHeadAttention(attn, { query, key, value: garbage, keyPaddingMask: mask }, 0, EVAL);
    expect(maxDiff(Array.from(a.dataSync()), Array.from(b.dataSync()))).toBeLessThan(1e-5);
    tf.dispose([mask, garbage, a, b]);
  });

  it('gives every weight a finite, non-zero gradient', () => {
    const vars = attentionVariables(attn);
    expect(vars).toHaveLength(7); // q, v, out with biases; k without (its bias would get no gradient)
    const { value: loss, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.square(multiHeadAttention(attn, { query, key, value, keyPaddingMask: null }, 0, EVAL)))) as tf.Scalar,
      vars,
    );
    for (const v of vars) {
      const norm = grads[v.name]!.norm().dataSync()[0]!;
      expect(Number.isFinite(norm) && norm > 0).toBe(true);
    }
    tf.dispose([loss, grads]);
  });

  it('leaks no tensors', () => {
    const run = () => multiHeadAttention(attn, { query, key, value, keyPaddingMask: null }, 0.1, { training: true, rng: mulberry32(1) });
    run().dispose();
    const before = tf.memory().numTensors;
    run().dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a width the heads do not divide', () => {
    expect(() => buildAttention(10, 4, mulberry32(0))).toThrow(/expected numHeads dividing 10, got 4/);
  });
});
