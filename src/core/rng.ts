// Seeded pseudo-random numbers for everything that must replay exactly: k-means++ seeding, test
// data, shuffles. mulberry32 is tiny, fast and good enough for sampling (not for cryptography);
// Math.random is never used in core so a run is a function of its seed.

/** A source of uniform numbers in [0, 1). Each call advances the state. */
export type Rng = () => number;

/** mulberry32 over a 32-bit state; any number is accepted and folded to uint32. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent-looking uint32 seed from a base seed and a salt (a granularity, an image
 * index, …), so that sub-tasks neither share a stream nor depend on call order.
 * The murmur3 finaliser spreads one changed bit over the whole word.
 */
export function mixSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt >>> 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Standard normal sample (Box–Muller; one of the pair is dropped for simplicity). */
export function randNormal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log stays finite
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
