import { describe, expect, it } from 'vitest';
import { pca2d } from './pca';
import { mulberry32, randNormal } from './rng';

describe('pca2d', () => {
  it('finds the long and the second axis of an elongated 3-D cloud', () => {
    const rng = mulberry32(7);
    const P = 400;
    const x = new Float32Array(P * 3);
    for (let p = 0; p < P; p++) {
      // Spread 10 along (1,1,0)/√2, 3 along z, 0.1 along (1,-1,0)/√2, centred at (5, -2, 1).
      const a = 10 * randNormal(rng);
      const b = 3 * randNormal(rng);
      const c = 0.1 * randNormal(rng);
      x[p * 3] = 5 + (a + c) / Math.SQRT2;
      x[p * 3 + 1] = -2 + (a - c) / Math.SQRT2;
      x[p * 3 + 2] = 1 + b;
    }
    const { xy, explained } = pca2d(x, P, 3);
    // The first coordinate is the projection on (1,1,0)/√2 up to sign, the second on z.
    let dotA = 0;
    let dotB = 0;
    let normA = 0;
    let normB = 0;
    for (let p = 0; p < P; p++) {
      const a = (x[p * 3]! - 5 + x[p * 3 + 1]! + 2) / Math.SQRT2;
      const b = x[p * 3 + 2]! - 1;
      dotA += a * xy[p * 2]!;
      dotB += b * xy[p * 2 + 1]!;
      normA += a * a;
      normB += b * b;
    }
    let n1 = 0;
    let n2 = 0;
    for (let p = 0; p < P; p++) {
      n1 += xy[p * 2]! ** 2;
      n2 += xy[p * 2 + 1]! ** 2;
    }
    // A finite sample tilts the axes a little off the generating ones.
    expect(Math.abs(dotA) / Math.sqrt(normA * n1)).toBeGreaterThan(0.99);
    expect(Math.abs(dotB) / Math.sqrt(normB * n2)).toBeGreaterThan(0.98);
    // No direction has more variance than the first axis.
    for (let t = 0; t < 200; t++) {
      const d = [randNormal(rng), randNormal(rng), randNormal(rng)];
      const len = Math.hypot(...d);
      let mean = 0;
      const proj = Array.from({ length: P }, (_, p) => (x[p * 3]! * d[0]! + x[p * 3 + 1]! * d[1]! + x[p * 3 + 2]! * d[2]!) / len);
      for (const v of proj) mean += v / P;
      const variance = proj.reduce((acc, v) => acc + (v - mean) ** 2, 0);
      expect(variance).toBeLessThanOrEqual(n1 * (1 + 1e-6));
    }
    expect(explained[0]).toBeGreaterThan(0.85);
    expect(explained[0] + explained[1]).toBeGreaterThan(0.99);
  });

  it('is deterministic and handles tiny inputs', () => {
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.3));
    expect(pca2d(x, 10, 4).xy).toEqual(pca2d(x, 10, 4).xy);
    expect(pca2d(new Float32Array(0), 0, 4).xy.length).toBe(0);
    expect(Array.from(pca2d(new Float32Array([1, 2]), 1, 2).xy)).toEqual([0, 0]);
    expect(() => pca2d(new Float32Array(3), 2, 2)).toThrow(/expected 2×2 = 4 values, got 3/);
  });
});
