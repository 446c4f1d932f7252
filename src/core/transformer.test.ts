// The transformer: every decoder layer's output comes back shaped [B, Q, D]; post- and pre-norm
// give every variable a gradient (no dead first-layer weights); images of a batch do not mix;
// padded memory tokens change nothing; no leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TransformerConfig } from './detrConfig';
import { mulberry32 } from './rng';
import { buildTransformer, decode, encode, transformerVariables, type MemoryInputs, type Transformer } from './transformer';

const CFG: TransformerConfig = { dModel: 16, numHeads: 4, numEncoderLayers: 2, numDecoderLayers: 3, dimFeedforward: 32, dropout: 0, preNorm: false, attention: 'dense', numPoints: 4 };
const EVAL = { training: false, rng: mulberry32(0) };

/** Encoder + decoder on src [B, N, D] with Q = queryPos rows; returns L outputs. */
function run(t: Transformer, src: tf.Tensor3D, pos: tf.Tensor3D, queryPos: tf.Tensor2D, mask: tf.Tensor2D | null = null): tf.Tensor3D[] {
  return tf.tidy(() => {
    const mem: MemoryInputs = { pos, keyPaddingMask: mask };
    return decode(t, encode(t, src, mem, EVAL), mem, queryPos, EVAL);
  });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('transformer', () => {
  const src = tf.randomNormal([2, 6, 16], 0, 1, 'float32', 1) as tf.Tensor3D;
  const pos = tf.randomNormal([2, 6, 16], 0, 1, 'float32', 2) as tf.Tensor3D;
  const queryPos = tf.randomNormal([5, 16], 0, 1, 'float32', 3) as tf.Tensor2D;

  it('returns every decoder layer output as [B, Q, D]', () => {
    const t = buildTransformer(CFG, mulberry32(1));
    const outs = run(t, src, pos, queryPos);
    expect(outs.map((o) => o.shape)).toEqual([[2, 5, 16], [2, 5, 16], [2, 5, 16]]);
    expect(t.decoder[0]!.selfAttn).toBeNull();
    tf.dispose([outs, transformerVariables(t)]);
  });

  it.each([false, true])('gives every variable a finite, non-zero gradient (preNorm %s)', (preNorm) => {
    const t = buildTransformer({ ...CFG, preNorm }, mulberry32(2));
    const vars = transformerVariables(t);
    expect(t.encoderNorm === null).toBe(!preNorm);
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => tf.addN(run(t, src, pos, queryPos).map((o, i) => tf.sum(tf.mul(o, tf.sin(tf.add(o, i))))))) as tf.Scalar,
      vars,
    );
    const dead = vars.filter((v) => {
      const n = grads[v.name]?.norm().dataSync()[0] ?? 0;
      return !(Number.isFinite(n) && n > 0);
    });
    expect(dead.map((v) => v.shape)).toEqual([]);
    tf.dispose([value, grads, vars]);
  });

  it('keeps the images of a batch apart: batched equals one at a time', () => {
    const t = buildTransformer(CFG, mulberry32(3));
    const batched = run(t, src, pos, queryPos);
    const one = (b: number) => run(t, tf.slice(src, [b, 0, 0], [1, 6, 16]), tf.slice(pos, [b, 0, 0], [1, 6, 16]), queryPos);
    const singles = [one(0), one(1)];
    batched.forEach((out, l) => expect(maxDiff(out, tf.concat([singles[0]![l]!, singles[1]![l]!], 0))).toBeLessThan(1e-5));
    tf.dispose([batched, singles, transformerVariables(t)]);
  });

  it('ignores padded memory tokens, whatever they hold', () => {
    const t = buildTransformer(CFG, mulberry32(4));
    const real = run(t, src, pos, queryPos);
    const srcPadded = tf.concat([src, tf.fill([2, 3, 16], 50)], 1) as tf.Tensor3D;
    const posPadded = tf.concat([pos, tf.fill([2, 3, 16], -7)], 1) as tf.Tensor3D;
    const mask = tf.tensor2d([[0, 0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1, 1, 1]]);
    const padded = run(t, srcPadded, posPadded, queryPos, mask);
    real.forEach((out, l) => expect(maxDiff(out, padded[l]!)).toBeLessThan(1e-4));
    tf.dispose([real, padded, srcPadded, posPadded, mask, transformerVariables(t)]);
  });

  it('leaks no tensors, dropout on', () => {
    const t = buildTransformer({ ...CFG, dropout: 0.1 }, mulberry32(5));
    const train = () => {
      const mem = { pos, keyPaddingMask: null };
      const ctx = { training: true, rng: mulberry32(9) };
      tf.dispose(tf.tidy(() => decode(t, encode(t, src, mem, ctx), mem, queryPos, ctx)));
    };
    train();
    const before = tf.memory().numTensors;
    train();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(transformerVariables(t));
  });
});
