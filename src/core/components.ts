// Connected components of a label grid (the per-pixel cluster ids of one image's feature map):
// each component is a candidate object mask, and its tight box a candidate proposal (stage 1).
// Plain JS over typed arrays: grids are small (H·W of a stride-16 map) and live on the host anyway.
//
// Dimensions: H, W grid rows and columns; cells are indexed row-major, i = y·W + x.
// Boxes are half-open in cells: a component covering columns 2..4 has x0 = 2, x1 = 5, so scaling a
// box by the stride gives the pixels the cells cover.
import { boxXyxy, type BoxXyxy } from './boxes';

export type Connectivity = 4 | 8;

export interface Component {
  /** The grid label every cell of the component carries. */
  label: number;
  /** 1 inside the component, 0 elsewhere; length H·W, row-major. */
  mask: Uint8Array;
  /** Tight half-open box in grid cells. */
  box: BoxXyxy;
  /** Number of cells in the component. */
  cells: number;
}

export interface ComponentOptions {
  connectivity?: Connectivity;
  /** Components with fewer cells are dropped. */
  minCells?: number;
}

const NEIGHBOURS_4: readonly (readonly [number, number])[] = [
  [0, -1],
  [-1, 0],
  [1, 0],
  [0, 1],
];
const NEIGHBOURS_8: readonly (readonly [number, number])[] = [
  ...NEIGHBOURS_4,
  [-1, -1],
  [1, -1],
  [-1, 1],
  [1, 1],
];

/**
 * All connected components of equal-label cells, in raster order of their first cell.
 * 4-connectivity by default: diagonal touching does not join cells (8 joins them).
 */
export function connectedComponents(
  labels: Int32Array,
  h: number,
  w: number,
  { connectivity = 4, minCells = 1 }: ComponentOptions = {},
): Component[] {
  if (labels.length !== h * w) {
    throw new Error(`connectedComponents: expected ${h}×${w} = ${h * w} labels, got ${labels.length}`);
  }
  const steps = connectivity === 8 ? NEIGHBOURS_8 : NEIGHBOURS_4;
  const seen = new Uint8Array(h * w);
  const queue = new Int32Array(h * w);
  const out: Component[] = [];
  for (let start = 0; start < h * w; start++) {
    if (seen[start]) continue;
    const label = labels[start] ?? 0;
    const mask = new Uint8Array(h * w);
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const i = queue[head++] ?? 0;
      mask[i] = 1;
      const x = i % w;
      const y = (i - x) / w;
      for (const [dx, dy] of steps) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const j = ny * w + nx;
        if (seen[j] || labels[j] !== label) continue;
        seen[j] = 1;
        queue[tail++] = j;
      }
    }
    if (tail < minCells) continue;
    const box = maskToBox(mask, h, w);
    if (box) out.push({ label, mask, box, cells: tail });
  }
  return out;
}

/** Tight half-open box (in cells) of the non-zero cells of a mask; null when the mask is empty. */
export function maskToBox(mask: Uint8Array, h: number, w: number): BoxXyxy | null {
  if (mask.length !== h * w) {
    throw new Error(`maskToBox: expected a mask of ${h}×${w} = ${h * w} cells, got ${mask.length}`);
  }
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? null : boxXyxy(x0, y0, x1 + 1, y1 + 1);
}
