// Hungarian invariants, as in detr's test_hungarian: the solver's total equals brute force on random
// square and rectangular matrices (continuous costs and costs full of ties), every answer is a valid
// one-to-one assignment listed by ascending row, ties break the same way every time, and bad input
// is refused with a message that says what was expected.
import { describe, expect, it } from 'vitest';
import { linearSumAssignment, type Assignment } from './hungarian';
import { mulberry32, randInt, type Rng } from './rng';

/** Least total over all injections of the smaller side into the larger one. */
function bruteForce(cost: Float32Array, rows: number, cols: number): number {
  const at = (r: number, c: number): number => cost[r * cols + c] ?? NaN;
  const small = Math.min(rows, cols);
  const large = Math.max(rows, cols);
  const taken = new Array<boolean>(large).fill(false);
  const walk = (k: number): number => {
    if (k === small) return 0;
    let best = Infinity;
    for (let l = 0; l < large; l++) {
      if (taken[l]) continue;
      taken[l] = true;
      const c = rows <= cols ? at(k, l) : at(l, k);
      best = Math.min(best, c + walk(k + 1));
      taken[l] = false;
    }
    return best;
  };
  return walk(0);
}

function total(cost: Float32Array, cols: number, a: Assignment): number {
  return a.rowIdx.reduce((s, r, k) => s + (cost[r * cols + (a.colIdx[k] ?? NaN)] ?? NaN), 0);
}

function expectValid(a: Assignment, rows: number, cols: number): void {
  const n = Math.min(rows, cols);
  expect(a.rowIdx.length).toBe(n);
  expect(a.colIdx.length).toBe(n);
  expect(new Set(a.rowIdx).size).toBe(n);
  expect(new Set(a.colIdx).size).toBe(n);
  a.rowIdx.forEach((r, k) => {
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(rows);
    if (k > 0) expect(r).toBeGreaterThan(a.rowIdx[k - 1] ?? Infinity);
  });
  a.colIdx.forEach((c) => expect(c >= 0 && c < cols).toBe(true));
}

function randomMatrix(rng: Rng, rows: number, cols: number, ties: boolean): Float32Array {
  return Float32Array.from({ length: rows * cols }, () =>
    ties ? randInt(rng, 3) : (rng() - 0.3) * 10,
  );
}

describe('linearSumAssignment', () => {
  it('solves the scipy documentation example', () => {
    const cost = Float32Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
    const a = linearSumAssignment(cost, 3, 3);
    expect([...a.rowIdx]).toEqual([0, 1, 2]);
    expect([...a.colIdx]).toEqual([1, 0, 2]);
    expect(total(cost, 3, a)).toBe(5);
  });

  for (const ties of [false, true]) {
    it(`equals brute force on 300 random matrices (${ties ? 'with ties' : 'continuous'})`, () => {
      const rng = mulberry32(ties ? 7 : 3);
      for (let t = 0; t < 300; t++) {
        const rows = 1 + randInt(rng, 6);
        // A third square, a third wide, a third tall (DETR's Q ≥ T).
        const cols = t % 3 === 0 ? rows : 1 + randInt(rng, 6);
        const cost = randomMatrix(rng, rows, cols, ties);
        const a = linearSumAssignment(cost, rows, cols);
        expectValid(a, rows, cols);
        expect(total(cost, cols, a)).toBeCloseTo(bruteForce(cost, rows, cols), 4);
      }
    });
  }

  it('breaks ties deterministically: equal costs give the diagonal, in both orientations', () => {
    for (const [rows, cols] of [
      [4, 4],
      [3, 6],
      [6, 3],
    ] as const) {
      const a = linearSumAssignment(new Float32Array(rows * cols).fill(1), rows, cols);
      expect([...a.rowIdx]).toEqual([...Array(Math.min(rows, cols)).keys()]);
      expect([...a.colIdx]).toEqual([...Array(Math.min(rows, cols)).keys()]);
    }
    const rng = mulberry32(11);
    const cost = randomMatrix(rng, 5, 4, true);
    expect(linearSumAssignment(cost, 5, 4)).toEqual(linearSumAssignment(cost, 5, 4));
  });

  it('agrees with itself on a DETR-sized matrix (100 × 30) and its transpose', () => {
    const rng = mulberry32(5);
    const cost = randomMatrix(rng, 100, 30, false);
    const transposed = Float32Array.from({ length: cost.length }, (_, k) => {
      const [c, r] = [Math.floor(k / 100), k % 100];
      return cost[r * 30 + c] ?? NaN;
    });
    const a = linearSumAssignment(cost, 100, 30);
    const b = linearSumAssignment(transposed, 30, 100);
    expectValid(a, 100, 30);
    expectValid(b, 30, 100);
    expect(total(cost, 30, a)).toBeCloseTo(total(transposed, 100, b), 3);
    // A necessary condition of optimality: no unassigned row takes a column more cheaply.
    const assigned = new Set(a.rowIdx);
    a.rowIdx.forEach((r, k) => {
      const c = a.colIdx[k] ?? 0;
      for (let free = 0; free < 100; free++) {
        if (!assigned.has(free)) expect(cost[free * 30 + c]).toBeGreaterThanOrEqual(cost[r * 30 + c] ?? 0);
      }
    });
  });

  it('returns empty assignments for empty sides', () => {
    for (const [rows, cols] of [
      [0, 0],
      [0, 5],
      [5, 0],
    ] as const) {
      const a = linearSumAssignment(new Float32Array(0), rows, cols);
      expect(a.rowIdx.length + a.colIdx.length).toBe(0);
    }
  });

  it('refuses wrong sizes and non-finite costs', () => {
    expect(() => linearSumAssignment(new Float32Array(5), 2, 3)).toThrow(/expected 2 × 3 = 6 costs, got 5/);
    expect(() => linearSumAssignment(Float32Array.from([0, NaN]), 1, 2)).toThrow(/expected finite/);
    expect(() => linearSumAssignment(Float32Array.from([Infinity]), 1, 1)).toThrow(/expected finite/);
    expect(() => linearSumAssignment(new Float32Array(0), -1, 0)).toThrow(/non-negative integer/);
  });
});
