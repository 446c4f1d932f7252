// Box invariants, as in detr's test_box_ops: round trips, hand-computed IoU / GIoU, GIoU bounds,
// and the tensor GIoU matching the plain-number one (and having a finite gradient).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  boxArea,
  boxCxcywh,
  boxCxcywhToXyxy,
  boxGiou,
  boxIou,
  boxXyxy,
  boxXyxyToCxcywh,
  generalizedBoxIou,
  pairedGeneralizedBoxIou,
  toCxcywh,
  toXyxy,
  type BoxXyxy,
} from './boxes';
import { mulberry32, type Rng } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomBox(rng: Rng): BoxXyxy {
  const x0 = rng() * 10;
  const y0 = rng() * 10;
  return boxXyxy(x0, y0, x0 + 0.1 + rng() * 5, y0 + 0.1 + rng() * 5);
}

describe('box conversions', () => {
  it('cxcywh → xyxy by hand', () => {
    expect(toXyxy(boxCxcywh(5, 4, 2, 6))).toEqual([4, 1, 6, 7]);
    expect(toCxcywh(boxXyxy(4, 1, 6, 7))).toEqual([5, 4, 2, 6]);
  });

  it('round-trips both ways', () => {
    const rng = mulberry32(1);
    for (let t = 0; t < 100; t++) {
      const b = randomBox(rng);
      toXyxy(toCxcywh(b)).forEach((v, i) => expect(v).toBeCloseTo(b[i] ?? NaN, 10));
      const c = toCxcywh(b);
      toCxcywh(toXyxy(c)).forEach((v, i) => expect(v).toBeCloseTo(c[i] ?? NaN, 10));
    }
  });

  it('tensor conversions agree with the plain ones and round-trip', async () => {
    const rng = mulberry32(2);
    const boxes = Array.from({ length: 20 }, () => toCxcywh(randomBox(rng)));
    const t = tf.tensor2d(boxes.map((b) => [...b]));
    const xyxy = boxCxcywhToXyxy(t);
    const back = boxXyxyToCxcywh(xyxy);
    const [a, b] = await Promise.all([xyxy.data(), back.data()]);
    boxes.forEach((box, i) => {
      toXyxy(box).forEach((v, j) => expect(a[i * 4 + j]).toBeCloseTo(v, 4));
      box.forEach((v, j) => expect(b[i * 4 + j]).toBeCloseTo(v, 4));
    });
    tf.dispose([t, xyxy, back]);
  });
});

describe('IoU and GIoU', () => {
  const a = boxXyxy(0, 0, 2, 2);

  it('area ignores inverted boxes', () => {
    expect(boxArea(a)).toBe(4);
    expect(boxArea(boxXyxy(2, 2, 0, 0))).toBe(0);
  });

  it('identical boxes: IoU = GIoU = 1', () => {
    expect(boxIou(a, a)).toBe(1);
    expect(boxGiou(a, a)).toBe(1);
  });

  it('half overlap by hand', () => {
    const b = boxXyxy(1, 0, 3, 2); // inter 2, union 6, hull 6
    expect(boxIou(a, b)).toBeCloseTo(1 / 3, 12);
    expect(boxGiou(a, b)).toBeCloseTo(1 / 3, 12);
  });

  it('disjoint boxes: IoU 0, GIoU negative by the empty hull share', () => {
    const b = boxXyxy(3, 0, 5, 2); // union 8, hull 10
    expect(boxIou(a, b)).toBe(0);
    expect(boxGiou(a, b)).toBeCloseTo(-0.2, 12);
    // Far apart, GIoU tends to −1.
    expect(boxGiou(a, boxXyxy(1000, 1000, 1001, 1001))).toBeLessThan(-0.99);
  });

  it('nested boxes: IoU = area ratio, GIoU = IoU (the hull is the outer box)', () => {
    const inner = boxXyxy(0.5, 0.5, 1.5, 1.5);
    expect(boxIou(a, inner)).toBeCloseTo(0.25, 12);
    expect(boxGiou(a, inner)).toBeCloseTo(0.25, 12);
  });

  it('degenerate boxes give 0, not NaN', () => {
    const p = boxXyxy(1, 1, 1, 1);
    expect(boxIou(p, p)).toBe(0);
    expect(boxGiou(p, p)).toBe(0);
  });

  it('GIoU ∈ [−1, 1], GIoU ≤ IoU, both symmetric, on random pairs', () => {
    const rng = mulberry32(3);
    for (let t = 0; t < 500; t++) {
      const p = randomBox(rng);
      const q = randomBox(rng);
      const g = boxGiou(p, q);
      expect(g).toBeGreaterThanOrEqual(-1);
      expect(g).toBeLessThanOrEqual(1);
      expect(g).toBeLessThanOrEqual(boxIou(p, q) + 1e-12);
      expect(boxGiou(q, p)).toBeCloseTo(g, 12);
      expect(boxIou(q, p)).toBeCloseTo(boxIou(p, q), 12);
    }
  });
});

describe('generalizedBoxIou (tensor, pairwise)', () => {
  it('equals the plain-number GIoU for every pair, including identical and degenerate ones', async () => {
    const rng = mulberry32(4);
    const as = [...Array.from({ length: 7 }, () => randomBox(rng)), boxXyxy(1, 1, 1, 1)];
    const bs = [...Array.from({ length: 5 }, () => randomBox(rng)), as[0] ?? boxXyxy(0, 0, 1, 1)];
    const ta = tf.tensor2d(as.map((b) => [...b]));
    const tb = tf.tensor2d(bs.map((b) => [...b]));
    const g = generalizedBoxIou(ta, tb);
    expect(g.shape).toEqual([as.length, bs.length]);
    const v = await g.data();
    as.forEach((p, i) => bs.forEach((q, j) => expect(v[i * bs.length + j]).toBeCloseTo(boxGiou(p, q), 4)));
    tf.dispose([ta, tb, g]);
  });

  it('has the finite-difference gradient (broadcast shapes included) and does not leak', async () => {
    // No coordinate ties between a and b, so no min/max kink sits at the evaluation point.
    const av = [[0, 0, 2, 2], [1.3, 1.1, 3.2, 4.1]];
    const bv = [[1, 0.5, 3, 2.5], [5, 5, 6, 6], [0.2, 0.1, 2.3, 1.8]];
    const a = tf.tensor2d(av);
    const b = tf.tensor2d(bv);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(generalizedBoxIou(x as tf.Tensor2D, b)));
    tf.dispose(grad(a));
    const before = tf.memory().numTensors;
    const ga = grad(a);
    expect(ga.shape).toEqual([2, 4]);
    const g = await ga.data();
    ga.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const asBox = (r: number[]): BoxXyxy => boxXyxy(r[0] ?? 0, r[1] ?? 0, r[2] ?? 0, r[3] ?? 0);
    const total = (rows: number[][]): number =>
      rows.reduce((s, r) => s + bv.reduce((t, q) => t + boxGiou(asBox(r), asBox(q)), 0), 0);
    const h = 1e-4;
    av.forEach((row, i) =>
      row.forEach((_, j) => {
        const shifted = (d: number): number[][] =>
          av.map((r, ri) => r.map((v, rj) => (ri === i && rj === j ? v + d : v)));
        const numeric = (total(shifted(h)) - total(shifted(-h))) / (2 * h);
        expect(g[i * 4 + j]).toBeCloseTo(numeric, 3);
      }),
    );
    tf.dispose([a, b]);
  });
});

describe('pairedGeneralizedBoxIou (tensor, row by row)', () => {
  it('is the diagonal of the pairwise GIoU, in value and in gradient, with no tile in its backward pass', async () => {
    const rng = mulberry32(9);
    const as = [...Array.from({ length: 6 }, () => randomBox(rng)), boxXyxy(1, 1, 1, 1)];
    const bs = [...Array.from({ length: 6 }, () => randomBox(rng)), boxXyxy(0, 0, 2, 2)];
    const ta = tf.tensor2d(as.map((b) => [...b]));
    const tb = tf.tensor2d(bs.map((b) => [...b]));
    const paired = pairedGeneralizedBoxIou(ta, tb);
    expect(paired.shape).toEqual([as.length]);
    const v = await paired.data();
    as.forEach((p, i) => expect(v[i]).toBeCloseTo(boxGiou(p, bs[i] ?? p), 5));
    const weights = tf.tensor1d(as.map((_, i) => i + 1));
    const viaDiagonal = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.sum(tf.mul(generalizedBoxIou(x as tf.Tensor2D, tb), tf.eye(as.length)), 1), weights)))(ta);
    const direct = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pairedGeneralizedBoxIou(x as tf.Tensor2D, tb), weights)))(ta);
    const [d1, d2] = [await viaDiagonal.data(), await direct.data()];
    d1.forEach((x, k) => expect(d2[k]).toBeCloseTo(x, 5));
    const profile = await tf.profile(() => tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(pairedGeneralizedBoxIou(x as tf.Tensor2D, tb)))(ta)));
    expect(profile.kernels.filter((k) => k.name === 'Tile' || k.name === 'Slice')).toEqual([]);
    const short = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(() => pairedGeneralizedBoxIou(ta, short)).toThrow(/as many rows in both, got 7 and 2/);
    tf.dispose([ta, tb, short, paired, weights, viaDiagonal, direct, profile.result as tf.Tensor]);
  });
});
