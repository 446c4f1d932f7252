// k-means invariants: separable blobs are recovered up to relabelling (both metrics), a seed
// replays exactly, k > N lowers k with a note, empty clusters are re-seeded, N = 0 is fine,
// readbacks stay within one per iteration, and no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { kmeans, type KMeansResult } from './kmeans';
import { mulberry32, randNormal } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** `perBlob` Gaussian points (std `std`) around each centre; returns points and true labels. */
function blobs(
  centres: number[][],
  perBlob: number,
  std: number,
  seed: number,
): { x: number[][]; y: number[] } {
  const rng = mulberry32(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < perBlob * centres.length; i++) {
    const c = i % centres.length; // interleaved, so the order carries no hint
    x.push((centres[c] ?? []).map((v) => v + std * randNormal(rng)));
    y.push(c);
  }
  return { x, y };
}

/** True when predicted labels equal true labels up to a one-to-one relabelling. */
function sameUpToRelabelling(pred: Int32Array, truth: number[]): boolean {
  const map = new Map<number, number>();
  const used = new Set<number>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] ?? -1;
    const p = pred[i] ?? -1;
    const m = map.get(t);
    if (m === undefined) {
      if (used.has(p)) return false;
      map.set(t, p);
      used.add(p);
    } else if (m !== p) return false;
  }
  return true;
}

/** Inertia recomputed on the host from the returned centroids and assignments. */
function hostInertia(x: number[][], r: KMeansResult, metric: 'cosine' | 'euclidean'): number {
  const d = x[0]?.length ?? 0;
  return x.reduce((s, row, i) => {
    const c = r.centroids.subarray((r.assign[i] ?? 0) * d, ((r.assign[i] ?? 0) + 1) * d);
    if (metric === 'euclidean') return s + row.reduce((t, v, j) => t + (v - (c[j] ?? 0)) ** 2, 0);
    const norm = Math.hypot(...row);
    return s + 1 - row.reduce((t, v, j) => t + (v / norm) * (c[j] ?? 0), 0);
  }, 0);
}

describe('kmeans', () => {
  it('recovers separable Gaussian blobs (euclidean), centroids near the true centres', async () => {
    const centres = [
      [0, 0, 0, 0],
      [10, 0, 0, 0],
      [0, 10, 0, 10],
      [-10, -10, 5, 0],
    ];
    const { x, y } = blobs(centres, 30, 0.7, 1);
    const t = tf.tensor2d(x);
    const r = await kmeans(t, 4, { seed: 3 });
    t.dispose();
    expect(r.k).toBe(4);
    expect(r.note).toBeUndefined();
    expect(r.converged).toBe(true);
    expect(sameUpToRelabelling(r.assign, y)).toBe(true);
    for (let c = 0; c < 4; c++) {
      const centroid = Array.from(r.centroids.subarray(c * 4, c * 4 + 4));
      const gaps = centres.map((m) => Math.hypot(...m.map((v, j) => v - (centroid[j] ?? 0))));
      const nearest = Math.min(...gaps);
      expect(nearest).toBeLessThan(0.5);
    }
    expect(r.inertia).toBeCloseTo(hostInertia(x, r, 'euclidean'), 0);
  });

  it('recovers blobs by direction under cosine, whatever the points\' norms', async () => {
    const dirs = [
      [1, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 1, 1, 0, 0],
    ];
    const { x, y } = blobs(dirs, 25, 0.05, 2);
    const rng = mulberry32(9);
    const scaled = x.map((row) => row.map((v) => v * (0.2 + 10 * rng()))); // norms differ 50×
    const t = tf.tensor2d(scaled);
    const r = await kmeans(t, 3, { seed: 5, metric: 'cosine' });
    t.dispose();
    expect(sameUpToRelabelling(r.assign, y)).toBe(true);
    for (let c = 0; c < 3; c++) {
      expect(Math.hypot(...r.centroids.subarray(c * 6, c * 6 + 6))).toBeCloseTo(1, 4);
    }
    expect(r.inertia).toBeCloseTo(hostInertia(scaled, r, 'cosine'), 3);
  });

  it('is deterministic for a seed', async () => {
    const { x } = blobs([[0, 0], [3, 0], [0, 3]], 40, 1.5, 4); // overlapping: the seed matters
    const t = tf.tensor2d(x);
    const a = await kmeans(t, 5, { seed: 17 });
    const b = await kmeans(t, 5, { seed: 17 });
    t.dispose();
    expect(b.assign).toEqual(a.assign);
    expect(b.centroids).toEqual(a.centroids);
    expect(b.iters).toBe(a.iters);
  });

  it('lowers k to N with a note when k > N, one point per cluster', async () => {
    const t = tf.tensor2d([[0, 0], [5, 5], [9, 1]]);
    const r = await kmeans(t, 5, { seed: 1 });
    t.dispose();
    expect(r.k).toBe(3);
    expect(r.note).toMatch(/k lowered from 5 to 3/);
    expect([...r.assign].sort()).toEqual([0, 1, 2]);
    expect(r.inertia).toBeCloseTo(0, 5);
    expect(r.centroids).toHaveLength(6);
  });

  it('re-seeds an empty cluster from the farthest point', async () => {
    const { x } = blobs([[0, 0], [10, 0]], 20, 1, 6);
    const t = tf.tensor2d(x);
    // The third initial centroid is far from every point: empty after the first assignment.
    const init = Float32Array.from([0, 0, 10, 0, 100, 100]);
    const r = await kmeans(t, 3, { seed: 1, init });
    t.dispose();
    const sizes = [0, 1, 2].map((c) => r.assign.filter((a) => a === c).length);
    expect(sizes.every((s) => s > 0)).toBe(true);
    expect(r.note).toBeUndefined();
    expect(Math.max(...r.centroids)).toBeLessThan(20);
  });

  it('reports clusters left empty when there are fewer distinct points than k', async () => {
    const t = tf.tensor2d(Array.from({ length: 6 }, (_, i) => (i < 3 ? [1, 2] : [4, 4])));
    const r = await kmeans(t, 4, { seed: 2 });
    t.dispose();
    expect(r.k).toBe(4);
    expect(new Set(r.assign).size).toBe(2);
    expect(r.note).toMatch(/2 of 4 clusters ended empty/);
    expect(r.inertia).toBeCloseTo(0, 5);
    expect(Array.from(r.centroids).every(Number.isFinite)).toBe(true);
  });

  it('handles N = 0 and rejects bad k', async () => {
    const t = tf.zeros([0, 4]) as tf.Tensor2D;
    const r = await kmeans(t, 3, { seed: 0 });
    expect(r).toMatchObject({ k: 0, inertia: 0, iters: 0 });
    expect(r.assign).toHaveLength(0);
    expect(r.note).toMatch(/no points/);
    await expect(kmeans(t, 0, { seed: 0 })).rejects.toThrow(/integer k ≥ 1, got 0/);
    t.dispose();
  });

  it('reads back at most once per seed and per iteration, plus the final result', async () => {
    const { x } = blobs([[0, 0], [8, 8], [0, 8]], 30, 1, 7);
    const t = tf.tensor2d(x);
    const spy = vi.spyOn(tf.Tensor.prototype, 'data');
    const r = await kmeans(t, 3, { seed: 4 });
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    t.dispose();
    expect(calls).toBeLessThanOrEqual(r.k - 1 + r.iters + 3);
  });

  it('leaks no tensor (k-means++, init, empty clusters, cosine)', async () => {
    const { x } = blobs([[0, 0], [10, 0]], 15, 1, 8);
    const t = tf.tensor2d(x);
    const run = async (): Promise<void> => {
      await kmeans(t, 3, { seed: 1 });
      await kmeans(t, 3, { seed: 1, metric: 'cosine' });
      await kmeans(t, 3, { seed: 1, init: Float32Array.from([0, 0, 10, 0, 100, 100]) });
      await kmeans(t, 50, { seed: 1 });
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});
