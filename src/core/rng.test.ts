// The seeded generator must replay exactly, stay in [0, 1), and look uniform enough for sampling.
import { describe, expect, it } from 'vitest';
import { mixSeed, mulberry32, randInt, randNormal } from './rng';

describe('rng', () => {
  it('replays the same stream for the same seed and differs for another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 50 }, () => a());
    expect(Array.from({ length: 50 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c())).not.toEqual(sa);
  });

  it('stays in [0, 1) with mean ≈ 1/2 and variance ≈ 1/12', () => {
    const r = mulberry32(7);
    const xs = Array.from({ length: 20000 }, () => r());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });

  it('randInt covers [0, n) and randNormal has mean 0, variance 1', () => {
    const r = mulberry32(8);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 5000; i++) {
      const k = randInt(r, 5);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts.every((c) => c > 900 && c < 1100)).toBe(true);
    const zs = Array.from({ length: 20000 }, () => randNormal(r));
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length;
    const variance = zs.reduce((s, z) => s + (z - mean) ** 2, 0) / zs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('mixSeed is deterministic, uint32, and separates salts', () => {
    expect(mixSeed(0, 3)).toBe(mixSeed(0, 3));
    const seeds = new Set([2, 3, 4, 6, 8].map((k) => mixSeed(0, k)));
    expect(seeds.size).toBe(5);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(mixSeed(1, 3)).not.toBe(mixSeed(0, 3));
  });
});
