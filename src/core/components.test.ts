// Connected components on hand-made grids: shapes, corner contact under 4- and 8-connectivity,
// holes, the size filter, and mask → box on half-open cell boxes.
import { describe, expect, it } from 'vitest';
import { connectedComponents, maskToBox } from './components';

/** A grid from rows of digits, e.g. ['110', '100']. */
function grid(rows: string[]): { labels: Int32Array; h: number; w: number } {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  return { labels: Int32Array.from(rows.join(''), (ch) => Number(ch)), h, w };
}

function maskRows(mask: Uint8Array, w: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < mask.length; i += w) rows.push(Array.from(mask.subarray(i, i + w)).join(''));
  return rows;
}

describe('connectedComponents', () => {
  it('finds an L-shape as one component with its tight box and cell count', () => {
    const g = grid(['1000', '1000', '1110', '0000']);
    const comps = connectedComponents(g.labels, g.h, g.w);
    const ones = comps.filter((c) => c.label === 1);
    expect(ones).toHaveLength(1);
    expect(ones[0]?.cells).toBe(5);
    expect(ones[0]?.box).toEqual([0, 0, 3, 3]);
    expect(maskRows(ones[0]?.mask ?? new Uint8Array(), g.w)).toEqual(['1000', '1000', '1110', '0000']);
    // The background wraps around the L and is one component covering the whole grid's box.
    const zeros = comps.filter((c) => c.label === 0);
    expect(zeros).toHaveLength(1);
    expect(zeros[0]?.cells).toBe(11);
    expect(zeros[0]?.box).toEqual([0, 0, 4, 4]);
  });

  it('splits diagonal contact under 4-connectivity and joins it under 8', () => {
    const g = grid(['10', '01']);
    const four = connectedComponents(g.labels, g.h, g.w, { connectivity: 4 });
    expect(four).toHaveLength(4);
    expect(four.map((c) => c.box)).toEqual([
      [0, 0, 1, 1],
      [1, 0, 2, 1],
      [0, 1, 1, 2],
      [1, 1, 2, 2],
    ]);
    const eight = connectedComponents(g.labels, g.h, g.w, { connectivity: 8 });
    expect(eight).toHaveLength(2);
    expect(eight.map((c) => [c.label, c.cells])).toEqual([
      [1, 2],
      [0, 2],
    ]);
    expect(eight.every((c) => c.box.join() === '0,0,2,2')).toBe(true);
  });

  it('keeps a ring with a hole as one component and the hole as another', () => {
    const g = grid(['11111', '10001', '10201', '10001', '11111']);
    const comps = connectedComponents(g.labels, g.h, g.w);
    expect(comps.map((c) => [c.label, c.cells, c.box.join()])).toEqual([
      [1, 16, '0,0,5,5'],
      [0, 8, '1,1,4,4'],
      [2, 1, '2,2,3,3'],
    ]);
  });

  it('drops components smaller than minCells and partitions the grid otherwise', () => {
    const g = grid(['1100', '0020', '3322']);
    const all = connectedComponents(g.labels, g.h, g.w);
    const cover = new Uint8Array(g.h * g.w);
    for (const c of all) c.mask.forEach((v, i) => (cover[i] = (cover[i] ?? 0) + v));
    expect(Array.from(cover).every((v) => v === 1)).toBe(true);
    expect(all.reduce((s, c) => s + c.cells, 0)).toBe(12);
    const big = connectedComponents(g.labels, g.h, g.w, { minCells: 3 });
    // The zeros split in two (3 cells top right, 2 cells left); only the larger survives.
    expect(big.map((c) => [c.label, c.cells, c.box.join()])).toEqual([
      [0, 3, '2,0,4,2'],
      [2, 3, '2,1,4,3'],
    ]);
  });

  it('rejects a label array of the wrong size', () => {
    expect(() => connectedComponents(new Int32Array(5), 2, 3)).toThrow(/2×3 = 6 labels, got 5/);
  });
});

describe('maskToBox', () => {
  it('gives the tight half-open box, and null for an empty mask', () => {
    const m = new Uint8Array(4 * 5);
    m[1 * 5 + 2] = 1;
    m[3 * 5 + 4] = 1;
    expect(maskToBox(m, 4, 5)).toEqual([2, 1, 5, 4]);
    expect(maskToBox(new Uint8Array(20), 4, 5)).toBeNull();
    expect(() => maskToBox(m, 5, 5)).toThrow(/5×5 = 25 cells, got 20/);
  });
});
