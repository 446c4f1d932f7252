// AdamW against torch.optim.AdamW's update written out by hand; parameter groups; the warm-up and
// step-decay schedule; clipping by global norm; state export/import; no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimConfig } from './detrConfig';
import {
  FUSED_UPDATE_ELEMENTS,
  adamWStep,
  backboneAndRestGroups,
  clipByGlobalNorm,
  createAdamW,
  disposeAdamW,
  exportAdamWState,
  importAdamWState,
  learningRateFactor,
  type AdamW,
} from './optim';

const BASE: OptimConfig = {
  lr: 0.1,
  lrBackbone: 0.01,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  clipMaxNorm: 0,
  warmupSteps: 0,
  lrDropEvery: 1_000,
  lrDropFactor: 0.1,
};

const value = (v: tf.Tensor): number => v.dataSync()[0] ?? Number.NaN;

/** One step with these gradients (by variable), disposing everything it made. */
function step(opt: AdamW, grads: [tf.Variable, number[]][]): number {
  const map: tf.NamedTensorMap = {};
  for (const [v, g] of grads) map[v.name] = tf.tensor(g, v.shape);
  const norm = adamWStep(opt, map);
  const n = value(norm);
  tf.dispose([norm, map]);
  return n;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('adamWStep', () => {
  it('matches the hand-computed AdamW update for 2 steps on a scalar (decoupled decay, bias correction)', () => {
    const p = tf.variable(tf.scalar(1));
    const opt = createAdamW(BASE, [{ name: 'all', variables: [p], lr: BASE.lr }]);
    const { lr, weightDecay: wd, beta1: b1, beta2: b2, eps } = BASE;
    let [m, v, expected] = [0, 0, 1];
    for (const [t, g] of [[1, 0.5], [2, -0.3]] as const) {
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      expected = expected * (1 - lr * wd) - (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
      step(opt, [[p, [g]]]);
      expect(value(p)).toBeCloseTo(expected, 6);
      if (t === 1) expect(value(p)).toBeCloseTo(0.899, 6); // 1·(1 − 0.1·0.01) − 0.1·0.5/0.5
    }
    expect(opt.step).toBe(2);
    disposeAdamW(opt);
    p.dispose();
  });

  it('gives each parameter group its own learning rate', () => {
    const backbone = tf.variable(tf.scalar(1));
    const rest = tf.variable(tf.scalar(1));
    const cfg = { ...BASE, weightDecay: 0 };
    const opt = createAdamW(cfg, backboneAndRestGroups(cfg, { backbone: [backbone], rest: [rest] }));
    step(opt, [[backbone, [2]], [rest, [2]]]); // the first Adam step moves by lr·sign(g)
    expect(1 - value(backbone)).toBeCloseTo(cfg.lrBackbone, 6);
    expect(1 - value(rest)).toBeCloseTo(cfg.lr, 6);
    disposeAdamW(opt);
    tf.dispose([backbone, rest]);
  });

  it('skips a parameter without a gradient (no decay either), as torch skips a None grad', () => {
    const a = tf.variable(tf.scalar(1));
    const b = tf.variable(tf.scalar(1));
    const opt = createAdamW(BASE, [{ name: 'all', variables: [a, b], lr: BASE.lr }]);
    step(opt, [[a, [1]]]);
    expect(value(a)).not.toBe(1);
    expect(value(b)).toBe(1);
    disposeAdamW(opt);
    tf.dispose([a, b]);
  });

  it('updates every parameter exactly as alone when fused: chunks split by size and by group, a param without a gradient skipped', async () => {
    const cfg = { ...BASE, clipMaxNorm: 0.5 };
    const shapes = [[3, 4], [FUSED_UPDATE_ELEMENTS + 5], [7], [2, 3, 5], [1]];
    const params = shapes.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 10 + i)));
    // Group 'backbone' takes params 0–1, 'rest' 2–4; param 3 gets no gradient.
    const opt = createAdamW(cfg, [{ name: 'backbone', variables: params.slice(0, 2), lr: 0.01 }, { name: 'rest', variables: params.slice(2), lr: 0.1 }]);
    const lrs = [0.01, 0.01, 0.1, 0.1, 0.1];
    const ref = await Promise.all(params.map(async (p) => ({ p: Float64Array.from(await p.data()), m: new Float64Array(p.size), v: new Float64Array(p.size) })));
    for (const t of [1, 2]) {
      const grads = params.map((p, i) => (i === 3 ? null : tf.randomNormal(p.shape, 0, 1, 'float32', 100 * t + i)));
      const gs = await Promise.all(grads.map((g) => (g ? g.data<'float32'>() : null)));
      const norm = Math.sqrt(gs.reduce((a, g) => a + (g ? g.reduce((b: number, x: number) => b + x * x, 0) : 0), 0));
      const scale = Math.min(1, cfg.clipMaxNorm / norm);
      ref.forEach((r, i) => {
        const g = gs[i];
        if (!g) return;
        for (let k = 0; k < r.p.length; k++) {
          const gk = (g[k] ?? 0) * scale;
          r.m[k] = cfg.beta1 * (r.m[k] ?? 0) + (1 - cfg.beta1) * gk;
          r.v[k] = cfg.beta2 * (r.v[k] ?? 0) + (1 - cfg.beta2) * gk * gk;
          const rate = lrs[i]!;
          r.p[k] = (r.p[k] ?? 0) * (1 - rate * cfg.weightDecay) - (rate * ((r.m[k] ?? 0) / (1 - cfg.beta1 ** t))) / (Math.sqrt((r.v[k] ?? 0) / (1 - cfg.beta2 ** t)) + cfg.eps);
        }
      });
      const map: tf.NamedTensorMap = {};
      grads.forEach((g, i) => g && (map[params[i]!.name] = g));
      const got = adamWStep(opt, map);
      expect(value(got)).toBeCloseTo(norm, 2);
      tf.dispose([got, ...grads.filter((g) => g !== null)]);
    }
    for (const [i, p] of params.entries()) {
      const got = await p.data();
      const worst = ref[i]!.p.reduce((w, x, k) => Math.max(w, Math.abs(x - (got[k] ?? NaN))), 0);
      expect(worst, `param ${i}`).toBeLessThan(1e-5);
    }
    disposeAdamW(opt);
    tf.dispose(params);
  });

  it('runs a few kernels per fused chunk, not ~13 per parameter', async () => {
    const params = Array.from({ length: 60 }, (_, i) => tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', i)));
    const opt = createAdamW({ ...BASE, clipMaxNorm: 0.1 }, [{ name: 'all', variables: params, lr: 0.1 }]);
    const grads: tf.NamedTensorMap = Object.fromEntries(params.map((p) => [p.name, tf.onesLike(p)]));
    const profile = await tf.profile(() => tf.tidy(() => adamWStep(opt, grads)));
    const launched = profile.kernels.filter((k) => k.name !== 'Reshape' && k.name !== 'Identity').length;
    expect(launched).toBeLessThan(4 * params.length + 40); // concats, one chunk's arithmetic, three splits
    tf.dispose([profile.result as tf.Tensor, grads]);
    disposeAdamW(opt);
    tf.dispose(params);
  });

  it('refuses a variable in two groups', () => {
    const a = tf.variable(tf.scalar(1));
    expect(() => createAdamW(BASE, [{ name: 'x', variables: [a], lr: 1 }, { name: 'y', variables: [a], lr: 1 }])).toThrow(
      /appears in more than one group \(second: y\)/,
    );
    a.dispose();
  });

  it('leaks no tensors across steps', () => {
    const p = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1));
    const opt = createAdamW({ ...BASE, clipMaxNorm: 0.1 }, [{ name: 'all', variables: [p], lr: 0.1 }]);
    step(opt, [[p, new Array<number>(12).fill(0.5)]]);
    const before = tf.memory().numTensors;
    step(opt, [[p, new Array<number>(12).fill(-0.5)]]);
    expect(tf.memory().numTensors).toBe(before);
    disposeAdamW(opt);
    p.dispose();
  });
});

describe('learningRateFactor', () => {
  it('warms up linearly, then drops by the factor every lrDropEvery steps', () => {
    const cfg = { warmupSteps: 4, lrDropEvery: 10, lrDropFactor: 0.1 };
    const factors = [0, 1, 2, 3, 9, 10, 19, 20, 25].map((s) => learningRateFactor(cfg, s));
    const expected = [0.25, 0.5, 0.75, 1, 1, 0.1, 0.1, 0.01, 0.01];
    factors.forEach((f, i) => expect(f).toBeCloseTo(expected[i] ?? Number.NaN, 12));
    expect(learningRateFactor({ ...cfg, warmupSteps: 0 }, 0)).toBe(1);
  });

  it('scales the AdamW step', () => {
    const p = tf.variable(tf.scalar(0));
    const opt = createAdamW({ ...BASE, weightDecay: 0, warmupSteps: 4 }, [{ name: 'all', variables: [p], lr: 0.1 }]);
    step(opt, [[p, [1]]]);
    expect(value(p)).toBeCloseTo(-0.1 * 0.25, 6);
    disposeAdamW(opt);
    p.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  const grads = (): tf.NamedTensorMap => ({ a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) }); // global norm 13

  it('scales the global norm to exactly the max when above it, keeping directions', () => {
    const g = grads();
    const { grads: clipped, norm } = clipByGlobalNorm(g, 1);
    expect(value(norm)).toBeCloseTo(13, 5);
    const values = [...clipped.a!.dataSync(), ...clipped.b!.dataSync()];
    expect(Math.hypot(...values)).toBeCloseTo(1, 6);
    values.forEach((x, i) => expect(x).toBeCloseTo([3, 4, 12][i]! / 13, 6));
    expect(clipped.b!.shape).toEqual([1, 1]);
    tf.dispose([g, clipped, norm]);
  });

  it('leaves gradients alone below the max', () => {
    const g = grads();
    const { grads: clipped, norm } = clipByGlobalNorm(g, 20);
    expect([...clipped.a!.dataSync(), ...clipped.b!.dataSync()]).toEqual([3, 4, 12]);
    tf.dispose([g, clipped, norm]);
  });

  it('is applied by adamWStep exactly as pre-clipped gradients would be', () => {
    const [a, b] = [tf.variable(tf.ones([3])), tf.variable(tf.ones([3]))];
    const clipping = createAdamW({ ...BASE, clipMaxNorm: 0.1 }, [{ name: 'all', variables: [a], lr: 0.1 }]);
    const plain = createAdamW(BASE, [{ name: 'all', variables: [b], lr: 0.1 }]);
    for (const g of [[0, 3, 4], [1, -1, 0.02]]) {
      step(clipping, [[a, g]]);
      const raw = { [b.name]: tf.tensor1d(g) };
      const { grads: clipped, norm } = clipByGlobalNorm(raw, 0.1);
      tf.dispose([adamWStep(plain, clipped), raw, clipped, norm]);
    }
    Array.from(a.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(b.dataSync()[i]!, 6));
    [clipping, plain].forEach(disposeAdamW);
    tf.dispose([a, b]);
  });

  it('is applied by adamWStep, which reports the norm before clipping', () => {
    const p = tf.variable(tf.zeros([3]));
    const opt = createAdamW({ ...BASE, clipMaxNorm: 0.1 }, [{ name: 'all', variables: [p], lr: 0.1 }]);
    expect(step(opt, [[p, [0, 3, 4]]])).toBeCloseTo(5, 5);
    disposeAdamW(opt);
    p.dispose();
  });
});

describe('AdamW state', () => {
  it('round-trips through plain Float32Arrays: a restored optimiser continues identically', async () => {
    const init = [tf.tensor2d([[1, -2], [3, 0.5]]), tf.tensor1d([0.1, 0.2, 0.3])];
    const make = () => init.map((t) => tf.variable(t.clone()));
    const grads = (i: number): number[][] => [[i, -1, 0.5, 2], [0.3, -i, 1]];
    const a = make();
    const optA = createAdamW(BASE, [{ name: 'all', variables: a, lr: 0.05 }]);
    for (let i = 0; i < 2; i++) step(optA, a.map((v, j) => [v, grads(i)[j]!]));
    const state = await exportAdamWState(optA);
    expect(state.step).toBe(2);
    expect(state.m.map((m) => m.length)).toEqual([4, 3]);

    const b = a.map((v) => tf.variable(v.clone()));
    const optB = createAdamW(BASE, [{ name: 'all', variables: b, lr: 0.05 }]);
    importAdamWState(optB, structuredClone(state));
    step(optA, a.map((v, j) => [v, grads(2)[j]!]));
    step(optB, b.map((v, j) => [v, grads(2)[j]!]));
    a.forEach((v, j) => expect(Array.from(b[j]!.dataSync())).toEqual(Array.from(v.dataSync())));
    expect(optB.step).toBe(3);
    [optA, optB].forEach(disposeAdamW);
    tf.dispose([...init, ...a, ...b]);
  });

  it('explains what it expected when the state does not fit', () => {
    const p = tf.variable(tf.zeros([2]));
    const opt = createAdamW(BASE, [{ name: 'all', variables: [p], lr: 0.1 }]);
    const ok = { step: 1, m: [new Float32Array(2)], v: [new Float32Array(2)] };
    expect(() => importAdamWState(opt, null)).toThrow(/expected an object, got null/);
    expect(() => importAdamWState(opt, { ...ok, step: -1 })).toThrow(/expected step a non-negative integer, got -1/);
    expect(() => importAdamWState(opt, { ...ok, m: [] })).toThrow(/expected m as 1 Float32Arrays, got 0 arrays/);
    expect(() => importAdamWState(opt, { ...ok, v: [new Float32Array(3)] })).toThrow(/expected v\[0\] a Float32Array of length 2, got length 3/);
    importAdamWState(opt, ok);
    expect(opt.step).toBe(1);
    disposeAdamW(opt);
    p.dispose();
  });
});
