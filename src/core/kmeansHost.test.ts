// The host k-means is the GPU k-means on plain arrays: same seeds give the same clustering.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kmeans, type KMeansMetric } from './kmeans';
import { kmeansHost } from './kmeansHost';
import { mulberry32, randNormal } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function blobs(n: number, d: number, centres: number, seed: number): Float32Array {
  const rng = mulberry32(seed);
  const centre = Array.from({ length: centres * d }, () => 6 * randNormal(rng));
  return Float32Array.from({ length: n * d }, (_, i) => (centre[((Math.floor(i / d) % centres) * d + (i % d))] ?? 0) + randNormal(rng));
}

describe('kmeansHost', () => {
  for (const metric of ['euclidean', 'cosine'] as KMeansMetric[]) {
    it(`matches the tensor k-means (${metric}) for the same seed`, async () => {
      for (const [n, d, k, seed] of [[120, 8, 4, 1], [300, 16, 6, 2], [50, 136, 3, 3], [10, 4, 8, 4]] as const) {
        const x = blobs(n, d, k, seed);
        const gpu = await kmeans(tf.tensor2d(x, [n, d]), k, { seed, metric, iters: 30 });
        const host = kmeansHost(x, n, d, k, { seed, metric, iters: 30 });
        expect(Array.from(host.assign)).toEqual(Array.from(gpu.assign));
        expect(host.k).toBe(gpu.k);
        expect(host.iters).toBe(gpu.iters);
        expect(host.inertia).toBeCloseTo(gpu.inertia, 2);
      }
    });
  }

  it('lowers k with a note, handles no points and rejects a bad size', () => {
    expect(kmeansHost(Float32Array.from([0, 0, 1, 1]), 2, 2, 5, { seed: 0 }).note).toMatch(/k lowered from 5 to 2/);
    expect(kmeansHost(new Float32Array(0), 0, 3, 2, { seed: 0 }).k).toBe(0);
    expect(() => kmeansHost(new Float32Array(5), 2, 3, 2, { seed: 0 })).toThrow(/expected 2×3 = 6 values, got 5/);
  });

  it('re-seeds an empty cluster from a far point', () => {
    // Three tight groups; a far-away initial centroid starts empty and must be moved onto a group.
    const x = Float32Array.from([0, 0, 0.1, 0, 10, 10, 10.1, 10, -10, 5, -10.1, 5]);
    const r = kmeansHost(x, 6, 2, 3, { seed: 0, init: Float32Array.from([0, 0, 10, 10, 1000, 1000]) });
    expect(new Set(r.assign).size).toBe(3);
  });
});
