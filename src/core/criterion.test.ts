// Criterion invariants, as in detr's tests: the terms equal a plain-JS recomputation (weighted
// cross-entropy, focal, L1, GIoU) and the total is their weighted sum; empty targets leave only the
// no-object cross-entropy; a perfect prediction costs (almost) nothing; permuting the queries leaves
// the loss unchanged; gradients are finite, zero for unmatched boxes, and a few steps on free boxes
// drive the matched L1 down; auxiliary losses are the sum over layers; bad matches are refused;
// no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxCxcywh, boxGiou, toXyxy } from './boxes';
import { DEFAULT_CRITERION_CONFIG, setCriterion, setCriterionWithAux, type CriterionConfig, type CriterionOutput } from './criterion';
import { hungarianMatch, hungarianMatchLayers, type DetrOutputs, type ImageTargets, type Match } from './matcher';
import { mulberry32, randInt, randNormal, type Rng } from './rng';

const CE = DEFAULT_CRITERION_CONFIG;
const FOCAL: CriterionConfig = { ...CE, loss: 'focal' };
const [B, Q, K] = [2, 8, 4];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomBox(rng: Rng): number[] {
  return [0.2 + 0.6 * rng(), 0.2 + 0.6 * rng(), 0.05 + 0.3 * rng(), 0.05 + 0.3 * rng()];
}

function randomTargets(rng: Rng, counts: number[]): ImageTargets[] {
  return counts.map((T) => ({
    classes: Int32Array.from({ length: T }, () => randInt(rng, K)),
    boxes: Float32Array.from(Array.from({ length: T }, () => randomBox(rng)).flat()),
  }));
}

function randomOutputs(rng: Rng): { logits: number[][][]; boxes: number[][][] } {
  return {
    logits: Array.from({ length: B }, () => Array.from({ length: Q }, () => Array.from({ length: K + 1 }, () => 2 * randNormal(rng)))),
    boxes: Array.from({ length: B }, () => Array.from({ length: Q }, () => randomBox(rng))),
  };
}

function toTensors(o: { logits: number[][][]; boxes: number[][][] }): DetrOutputs {
  return { logits: tf.tensor3d(o.logits), boxes: tf.tensor3d(o.boxes) };
}

async function read(c: CriterionOutput): Promise<{ total: number; cls: number; l1: number; giou: number }> {
  const [total, cls, l1, giou] = await Promise.all([c.total, c.terms.class, c.terms.l1, c.terms.giou].map(async (t) => (await t.data())[0] ?? NaN));
  tf.dispose(c);
  return { total: total ?? NaN, cls: cls ?? NaN, l1: l1 ?? NaN, giou: giou ?? NaN };
}

/** The loss recomputed with plain numbers. */
function plainLoss(o: { logits: number[][][]; boxes: number[][][] }, targets: ImageTargets[], matches: Match[], cfg: CriterionConfig) {
  const numBoxes = Math.max(1, targets.reduce((n, t) => n + t.classes.length, 0));
  let [ceSum, wSum, focal, l1, giou] = [0, 0, 0, 0, 0];
  for (let b = 0; b < B; b++) {
    const m = matches[b];
    for (let q = 0; q < Q; q++) {
      const i = m ? [...m.queryIdx].indexOf(q) : -1;
      const j = i >= 0 ? (m?.targetIdx[i] ?? -1) : -1;
      const cls = j >= 0 ? (targets[b]?.classes[j] ?? K) : K;
      const z = o.logits[b]?.[q] ?? [];
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      const w = cls === K ? cfg.noObjectWeight : 1;
      ceSum += w * (lse - (z[cls] ?? NaN));
      wSum += w;
      z.slice(0, K).forEach((x, c) => {
        const [t, p] = [c === cls ? 1 : 0, 1 / (1 + Math.exp(-x))];
        const pt = t ? p : 1 - p;
        focal += (t ? cfg.focalAlpha : 1 - cfg.focalAlpha) * -Math.log(pt) * (1 - pt) ** cfg.focalGamma;
      });
      if (j < 0) continue;
      const src = o.boxes[b]?.[q] ?? [];
      const tgt = [...(targets[b]?.boxes.subarray(4 * j, 4 * j + 4) ?? [])];
      l1 += src.reduce((s, v, k) => s + Math.abs(v - (tgt[k] ?? NaN)), 0);
      const [x, y] = [src, tgt].map((v) => toXyxy(boxCxcywh(v[0] ?? NaN, v[1] ?? NaN, v[2] ?? NaN, v[3] ?? NaN)));
      giou += x && y ? 1 - boxGiou(x, y) : NaN;
    }
  }
  const cls = cfg.loss === 'ce' ? ceSum / wSum : focal / numBoxes;
  return { cls, l1: l1 / numBoxes, giou: giou / numBoxes };
}

describe('setCriterion', () => {
  for (const cfg of [CE, FOCAL]) {
    it(`equals a plain-JS recomputation and totals its weighted terms (${cfg.loss})`, async () => {
      const rng = mulberry32(cfg.loss === 'ce' ? 1 : 2);
      const o = randomOutputs(rng);
      const targets = randomTargets(rng, [3, 5]);
      const out = toTensors(o);
      const matches = await hungarianMatch(out, targets, cfg);
      const got = await read(setCriterion(out, targets, matches, cfg));
      const want = plainLoss(o, targets, matches, cfg);
      expect(got.cls).toBeCloseTo(want.cls, 4);
      expect(got.l1).toBeCloseTo(want.l1, 4);
      expect(got.giou).toBeCloseTo(want.giou, 4);
      expect(got.total).toBeCloseTo(2 * got.cls + 5 * got.l1 + 2 * got.giou, 4);
      tf.dispose(out);
    });
  }

  it('one image with one query: the same loss as by hand', async () => {
    // logits [0, ln 3, 0] over (class 0, class 1, no object): softmax [0.2, 0.6, 0.2]; the target is class 0.
    const one = { logits: tf.tensor3d([[[0, Math.log(3), 0]]]), boxes: tf.tensor3d([[[0.5, 0.5, 0.2, 0.2]]]) };
    const t = [{ classes: Int32Array.of(0), boxes: Float32Array.of(0.5, 0.5, 0.3, 0.2) }];
    const got = await read(setCriterion(one, t, [{ queryIdx: Int32Array.of(0), targetIdx: Int32Array.of(0) }], CE));
    expect(got.cls).toBeCloseTo(-Math.log(0.2), 5);
    expect(got.l1).toBeCloseTo(0.1, 5);
    tf.dispose(one);
  });

  it('empty targets: only the no-object cross-entropy, box terms exactly 0, no NaN', async () => {
    const o = randomOutputs(mulberry32(3));
    const targets = randomTargets(mulberry32(3), [0, 0]);
    const out = toTensors(o);
    const matches = await hungarianMatch(out, targets, CE);
    const got = await read(setCriterion(out, targets, matches, CE));
    const noObject = o.logits.flat().map((z) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - (z[K] ?? NaN));
    expect(got.cls).toBeCloseTo(noObject.reduce((s, v) => s + v, 0) / (B * Q), 4);
    expect([got.l1, got.giou]).toEqual([0, 0]);
    expect(got.total).toBeCloseTo(2 * got.cls, 5);
    const focal = await read(setCriterion(out, targets, matches, FOCAL));
    expect(Object.values(focal).every(Number.isFinite)).toBe(true);
    tf.dispose(out);
  });

  it('a perfect prediction costs nothing: L1 0, GIoU loss 0, class loss near 0', async () => {
    const rng = mulberry32(4);
    const targets = randomTargets(rng, [3, 2]);
    const o = randomOutputs(rng);
    const owner = [[5, 0, 2], [7, 3]]; // query owner[b][t] predicts target t exactly
    owner.forEach((qs, b) => qs.forEach((q, t) => {
      const row = o.boxes[b];
      if (row) row[q] = [...(targets[b]?.boxes.subarray(4 * t, 4 * t + 4) ?? [])];
    }));
    o.logits = o.logits.map((rows, b) => rows.map((_, q) => {
      const t = owner[b]?.indexOf(q) ?? -1;
      const cls = t >= 0 ? (targets[b]?.classes[t] ?? K) : K;
      return Array.from({ length: K + 1 }, (_, c) => (c === cls ? 20 : -20));
    }));
    const out = toTensors(o);
    const matches = await hungarianMatch(out, targets, CE);
    expect(matches.map((m) => [...m.queryIdx].sort((a, c) => a - c))).toEqual([[0, 2, 5], [3, 7]]);
    const got = await read(setCriterion(out, targets, matches, CE));
    expect(got.l1).toBeLessThan(1e-6);
    expect(Math.abs(got.giou)).toBeLessThan(1e-6);
    expect(got.cls).toBeLessThan(1e-6);
    expect((await read(setCriterion(out, targets, matches, FOCAL))).cls).toBeLessThan(1e-6);
    tf.dispose(out);
  });

  it('permuting the queries leaves the loss unchanged', async () => {
    const rng = mulberry32(5);
    const o = randomOutputs(rng);
    const targets = randomTargets(rng, [4, 2]);
    const perm = [3, 7, 0, 5, 1, 6, 2, 4];
    const p = { logits: o.logits.map((r) => perm.map((q) => r[q] ?? [])), boxes: o.boxes.map((r) => perm.map((q) => r[q] ?? [])) };
    for (const cfg of [CE, FOCAL]) {
      const [a, b] = [toTensors(o), toTensors(p)];
      const la = await read(setCriterion(a, targets, await hungarianMatch(a, targets, cfg), cfg));
      const lb = await read(setCriterion(b, targets, await hungarianMatch(b, targets, cfg), cfg));
      expect(lb.total).toBeCloseTo(la.total, 4);
      tf.dispose([a, b]);
    }
  });
});

describe('gradients', () => {
  it('are finite for logits and boxes, and zero for the boxes of unmatched queries', async () => {
    const rng = mulberry32(6);
    const o = randomOutputs(rng);
    const targets = randomTargets(rng, [2, 3]);
    const logits = tf.variable(tf.tensor3d(o.logits), true, 'test_logits');
    const raw = tf.variable(tf.randomNormal<tf.Rank.R3>([B, Q, 4], 0, 1, 'float32', 6), true, 'test_raw_boxes');
    const forward = (): DetrOutputs => ({ logits, boxes: tf.sigmoid(raw) }); // boxes [B, Q, 4] in (0, 1)
    for (const cfg of [CE, FOCAL]) {
      const first = forward();
      const matches = await hungarianMatch(first, targets, cfg);
      tf.dispose(first.boxes);
      const { value, grads } = tf.variableGrads(() => setCriterion(forward(), targets, matches, cfg).total, [logits, raw]);
      const gl = await grads['test_logits']?.data();
      const gb = await grads['test_raw_boxes']?.data();
      expect(Number.isFinite((await value.data())[0])).toBe(true);
      expect(gl && [...gl].every(Number.isFinite) && gl.some((g) => g !== 0)).toBe(true);
      expect(gb && [...gb].every(Number.isFinite)).toBe(true);
      for (let b = 0; b < B; b++) {
        for (let q = 0; q < Q; q++) {
          const matched = matches[b]?.queryIdx.includes(q) ?? false;
          const g = [...(gb?.subarray((b * Q + q) * 4, (b * Q + q + 1) * 4) ?? [])];
          expect(g.some((v) => v !== 0)).toBe(matched);
        }
      }
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([logits, raw]);
  });

  for (const cfg of [CE, FOCAL]) {
    it(`equal central differences of the plain-JS loss (${cfg.loss})`, async () => {
      const rng = mulberry32(cfg.loss === 'ce' ? 12 : 13);
      const o = randomOutputs(rng);
      const targets = randomTargets(rng, [3, 2]);
      const logits = tf.variable(tf.tensor3d(o.logits), true, `fd_logits_${cfg.loss}`);
      const boxes = tf.variable(tf.tensor3d(o.boxes), true, `fd_boxes_${cfg.loss}`);
      const matches = await hungarianMatch({ logits, boxes }, targets, cfg);
      const { value, grads } = tf.variableGrads(() => setCriterion({ logits, boxes }, targets, matches, cfg).total, [logits, boxes]);
      const total = (x: typeof o): number => {
        const l = plainLoss(x, targets, matches, cfg);
        return cfg.weightClass * l.cls + cfg.weightL1 * l.l1 + cfg.weightGiou * l.giou;
      };
      const h = 1e-6;
      for (const key of ['logits', 'boxes'] as const) {
        const g = await grads[`fd_${key}_${cfg.loss}`]?.data();
        o[key].forEach((rows, b) => rows.forEach((row, q) => row.forEach((v, k) => {
          row[k] = v + h;
          const up = total(o);
          row[k] = v - h;
          const down = total(o);
          row[k] = v;
          expect(g?.[(b * Q + q) * row.length + k]).toBeCloseTo((up - down) / (2 * h), 3);
        })));
      }
      tf.dispose([value, ...Object.values(grads), logits, boxes]);
    });
  }

  it('are finite with empty targets, and zero for every box', async () => {
    const o = randomOutputs(mulberry32(7));
    const targets = randomTargets(mulberry32(7), [0, 0]);
    const logits = tf.variable(tf.tensor3d(o.logits), true, 'empty_logits');
    const boxes = tf.variable(tf.tensor3d(o.boxes), true, 'empty_boxes');
    const matches = await hungarianMatch({ logits, boxes }, targets, CE);
    const { value, grads } = tf.variableGrads(() => setCriterion({ logits, boxes }, targets, matches, CE).total, [logits, boxes]);
    expect([...(await grads['empty_logits']?.data() ?? [NaN])].every(Number.isFinite)).toBe(true);
    expect([...(await grads['empty_boxes']?.data() ?? [NaN])].every((g) => g === 0)).toBe(true);
    tf.dispose([value, ...Object.values(grads), logits, boxes]);
  }, 10_000);

  it('a few steps on free boxes move each matched box toward its target', async () => {
    const rng = mulberry32(8);
    const o = randomOutputs(rng);
    const targets = randomTargets(rng, [3, 2]);
    const logits = tf.tensor3d(o.logits);
    const boxes = tf.variable(tf.tensor3d(o.boxes), true, 'free_boxes');
    const matches = await hungarianMatch({ logits, boxes }, targets, CE);
    /** L1 distance of every matched box to its target, read from the variable. */
    const distances = async (): Promise<number[]> => {
      const v = await boxes.data();
      return matches.flatMap((m, b) => [...m.queryIdx].map((q, i) => {
        const j = m.targetIdx[i] ?? 0;
        const tgt = targets[b]?.boxes.subarray(4 * j, 4 * j + 4) ?? [];
        return [0, 1, 2, 3].reduce((s, k) => s + Math.abs((v[(b * Q + q) * 4 + k] ?? NaN) - (tgt[k] ?? NaN)), 0);
      }));
    };
    const before = await distances();
    for (let step = 0; step < 10; step++) {
      const { value, grads } = tf.variableGrads(() => setCriterion({ logits, boxes }, targets, matches, CE).total, [boxes]);
      const g = grads['free_boxes'];
      if (g) boxes.assign(tf.tidy(() => tf.sub(boxes, tf.mul(g, 0.01))));
      tf.dispose([value, ...Object.values(grads)]);
    }
    const after = await distances();
    after.forEach((d, i) => expect(d).toBeLessThan(before[i] ?? -Infinity));
    const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
    expect(sum(after)).toBeLessThan(0.7 * sum(before));
    tf.dispose([logits, boxes]);
  });
});

describe('setCriterionWithAux', () => {
  it('is the sum of each layer’s criterion under its own matching', async () => {
    const rng = mulberry32(9);
    const layers = [toTensors(randomOutputs(rng)), toTensors(randomOutputs(rng)), toTensors(randomOutputs(rng))];
    const targets = randomTargets(rng, [3, 1]);
    const perLayer = await hungarianMatchLayers(layers, targets, CE);
    const aux = await read(setCriterionWithAux(layers, targets, perLayer, CE));
    const each = await Promise.all(layers.map((l, i) => read(setCriterion(l, targets, perLayer[i] ?? [], CE))));
    expect(aux.total).toBeCloseTo(each.reduce((s, e) => s + e.total, 0), 4);
    expect(aux.l1).toBeCloseTo(each.reduce((s, e) => s + e.l1, 0), 4);
    expect(aux.total).toBeCloseTo(2 * aux.cls + 5 * aux.l1 + 2 * aux.giou, 4);
    expect(() => setCriterionWithAux(layers, targets, perLayer.slice(1), CE)).toThrow(/expected matches for each of 3/);
    tf.dispose(layers);
  });

  it('refuses matches that do not fit the batch', () => {
    const out = toTensors(randomOutputs(mulberry32(10)));
    const targets = randomTargets(mulberry32(10), [1, 1]);
    const m = (q: number, t: number): Match => ({ queryIdx: Int32Array.from([q]), targetIdx: Int32Array.from([t]) });
    expect(() => setCriterion(out, targets, [m(0, 0)], CE)).toThrow(/expected matches for 2 images, got 1/);
    expect(() => setCriterion(out, targets, [m(Q, 0), m(0, 0)], CE)).toThrow(/expected a query in \[0, 8\) and a target in \[0, 1\), got 8 and 0/);
    expect(() => setCriterion(out, targets, [m(0, 1), m(0, 0)], CE)).toThrow(/got 0 and 1/);
    tf.dispose(out);
  });

  it('leaks no tensor: matching, criterion with aux and gradients, disposed', async () => {
    const rng = mulberry32(11);
    const raw = tf.variable(tf.randomNormal<tf.Rank.R3>([B, Q, K + 5]), true, 'leak_head');
    const layer = (i: number): DetrOutputs =>
      tf.tidy(() => ({
        logits: tf.slice(tf.mul<tf.Tensor3D>(raw, i + 1), [0, 0, 0], [B, Q, K + 1]), // [B, Q, K+1]
        boxes: tf.sigmoid<tf.Tensor3D>(tf.slice(raw, [0, 0, K + 1], [B, Q, 4])), // [B, Q, 4] in (0, 1)
      }));
    const step = async (targets: ImageTargets[]): Promise<void> => {
      const layers = [layer(0), layer(1)];
      const perLayer = await hungarianMatchLayers(layers, targets, FOCAL);
      tf.dispose(layers);
      const { value, grads } = tf.variableGrads(() => setCriterionWithAux([layer(0), layer(1)], targets, perLayer, FOCAL).total, [raw]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (const targets of [randomTargets(rng, [2, 3]), randomTargets(rng, [0, 0])]) {
      await step(targets);
      const before = tf.memory().numTensors;
      await step(targets);
      expect(tf.memory().numTensors).toBe(before);
    }
    raw.dispose();
  });
});
