// Bilinear sampling of feature maps at fractional locations, the read of multi-scale deformable
// attention (Zhu et al., 2021): torch's grid_sample with mode 'bilinear', padding 'zeros' and
// align_corners=False. Each location reads its four neighbouring cells by integer index; the
// bilinear weights' slopes carry the gradient to the locations, and the gradient to the values goes
// back to the cells that were read. A neighbour outside the map reads zero, so a location outside
// the map fades to zero.
//
// The gradient to the values adds rows back with UnsortedSegmentSum, which the wasm backend lacks;
// there it scatters with ScatterNd, which sums repeated rows too.
//
// Dimensions: G independent groups (batch × heads), each of one map of H×W cells or several
// stacked into S rows; C channels, M locations per group.
import * as tf from '@tensorflow/tfjs';

/** Rows of dy [M, C] added into [R, C] at idx [M] (int32, in [0, R)), repeats summed. */
function scatterRows(dy: tf.Tensor2D, idx: tf.Tensor1D, r: number): tf.Tensor2D {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined
    ? tf.unsortedSegmentSum(dy, idx, r) // [R, C]
    : tf.scatterND(tf.reshape(idx, [-1, 1]), dy, [r, dy.shape[1]]); // [R, C]
}

/**
 * Which map each of the M locations reads: maps of several sizes (the levels of a multi-scale
 * feature pyramid) are stacked as rows, and location m reads the map of widths[m] × heights[m]
 * cells starting at row starts[m] of its group. One read then serves every level.
 */
export interface SampleGrid {
  widths: Float32Array; // [M]
  heights: Float32Array; // [M]
  starts: Float32Array; // [M]
  /** Rows per group: Σ H·W over the maps. */
  rows: number;
}

/** M locations in one H×W map. */
function oneMap(h: number, w: number, m: number): SampleGrid {
  return { widths: new Float32Array(m).fill(w), heights: new Float32Array(m).fill(h), starts: new Float32Array(m), rows: h * w };
}

/** One of the four neighbours of every location: its row in [G·S, C], its weight, and the weight's slopes. */
interface Corner {
  /** [G·M] int32 row of the cell (clamped into the map; `weight` is 0 where it is outside). */
  row: tf.Tensor1D;
  /** [G, M, 1] bilinear weight, 0 outside the map. */
  weight: tf.Tensor3D;
  /** [G, M] d weight / d px and d weight / d py, in cells, 0 outside the map. */
  dWdx: tf.Tensor2D;
  dWdy: tf.Tensor2D;
}

/** The four neighbours of loc [G, M, 2] in the grid's maps (no gradient: integers and plain weights). */
function corners(loc: tf.Tensor3D, grid: SampleGrid): Corner[] {
  const [g, m] = loc.shape;
  // Tiled to [G, M], so that every op below is elementwise without broadcasting (wasm's broadcasting
  // binary ops are several times slower than its elementwise ones).
  const perGroup = (xs: Float32Array) => tf.tile(tf.tensor2d(xs, [1, m]), [g, 1]); // [G, M]
  const w = perGroup(grid.widths); // [G, M]
  const h = perGroup(grid.heights); // [G, M]
  const start = tf.add(perGroup(grid.starts), tf.reshape(tf.mul(tf.range(0, g, 1, 'float32'), grid.rows), [g, 1])); // [G, M]
  const px = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 0], [g, m, 1]), [g, m]), w), 0.5); // [G, M] in cells
  const py = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 1], [g, m, 1]), [g, m]), h), 0.5); // [G, M]
  const x0 = tf.floor(px); // [G, M]
  const y0 = tf.floor(py); // [G, M]
  const fx = tf.sub(px, x0); // [G, M] in [0, 1)
  const fy = tf.sub(py, y0); // [G, M]
  const last = (size: tf.Tensor) => tf.sub(size, 1);
  const inside = (v: tf.Tensor, size: tf.Tensor) => tf.mul(tf.step(tf.add(v, 0.5)), tf.step(tf.sub(tf.sub(size, 0.5), v))); // 1 where 0 ≤ v ≤ size − 1
  const clamp = (v: tf.Tensor, size: tf.Tensor) => tf.minimum(tf.maximum(v, 0), last(size));
  // Along one axis the near cell weighs 1 − f and the far one f; their slopes are −1 and +1.
  const along = (f: tf.Tensor, far: number) => (far ? f : tf.sub(1, f));
  const slope = (far: number) => (far ? 1 : -1);
  return ([[0, 0], [1, 0], [0, 1], [1, 1]] as const).map(([dx, dy]) => {
    const xi = tf.add(x0, dx); // [G, M]
    const yi = tf.add(y0, dy); // [G, M]
    const valid = tf.mul(inside(xi, w), inside(yi, h)); // [G, M]
    const cell = tf.add(tf.add(tf.mul(clamp(yi, h), w), clamp(xi, w)), start); // [G, M]
    return {
      row: tf.reshape(tf.cast(cell, 'int32'), [g * m]),
      weight: tf.expandDims(tf.mul(tf.mul(along(fx, dx), along(fy, dy)), valid), 2) as tf.Tensor3D,
      dWdx: tf.mul(tf.mul(along(fy, dy), slope(dx)), valid) as tf.Tensor2D,
      dWdy: tf.mul(tf.mul(along(fx, dx), slope(dy)), valid) as tf.Tensor2D,
    };
  });
}

/**
 * rows [G, S, C] (each group's maps, stacked as the grid says) read at loc [G, M, 2] — (x, y) in
 * [0, 1] of each location's map, cell centres at (i + 0.5) / W — by bilinear interpolation with
 * zeros outside its map → [G, M, C].
 *
 * One custom gradient for the whole read: the backward pass keeps only rows and loc and gathers
 * each corner again, one at a time, instead of the tape keeping the four gathered [G, M, C] reads
 * of every call until the whole backward pass ends (the bulk of a deformable step's memory).
 */
export function bilinearSampleRows(rows: tf.Tensor3D, grid: SampleGrid, loc: tf.Tensor3D): tf.Tensor3D {
  const [g, s, c] = rows.shape;
  const m = loc.shape[1];
  if (s !== grid.rows || grid.widths.length !== m) throw new Error(`bilinearSampleRows: expected ${grid.rows} rows and ${grid.widths.length} locations, got ${s} and ${m}`);
  /** Each corner's read of rows [G·S, C] → [G, M, C], passed through `use` before the next is gathered. */
  const eachRead = (flat: tf.Tensor2D, ks: Corner[], use: (read: tf.Tensor3D, k: Corner) => tf.Tensor): tf.Tensor[] =>
    ks.map((k) => tf.tidy(() => use(tf.reshape(tf.gather(flat, k.row), [g, m, c]), k)));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [v, at, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([v, at]);
    const out = tf.tidy(() => tf.addN(eachRead(tf.reshape<tf.Rank.R2>(v, [g * s, c]), corners(at, grid), (read, k) => tf.mul(read, k.weight)))); // [G, M, C]
    const gradFunc = (dy: tf.Tensor3D, [sv, sat]: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const flat = tf.reshape<tf.Rank.R2>(sv as tf.Tensor3D, [g * s, c]); // [G·S, C]
        const ks = corners(sat as tf.Tensor3D, grid);
        // To the values: dy, weighted, back to the cell each corner read.
        const dRows = tf.addN(ks.map((k) => scatterRows(tf.reshape<tf.Rank.R2>(tf.mul(dy, k.weight), [g * m, c]), k.row, g * s))); // [G·S, C]
        // To the locations: each corner's read · dy, times its weight's slope; px = x·W − 0.5.
        const dots = eachRead(flat, ks, (read) => tf.sum(tf.mul(read, dy), 2)); // 4 × [G, M]
        const dx = tf.mul(tf.addN(dots.map((d, i) => tf.mul(d, ks[i]!.dWdx))), tf.tensor2d(grid.widths, [1, m])); // [G, M]
        const dyLoc = tf.mul(tf.addN(dots.map((d, i) => tf.mul(d, ks[i]!.dWdy))), tf.tensor2d(grid.heights, [1, m])); // [G, M]
        return [tf.reshape(dRows, [g, s, c]), tf.stack([dx, dyLoc], 2)]; // [G, S, C], [G, M, 2]
      });
    return { value: out as tf.Tensor3D, gradFunc };
  });
  return f(rows, loc) as tf.Tensor3D;
}

/** value [G, H, W, C] read at loc [G, M, 2] → [G, M, C]: bilinearSampleRows over one map. */
export function bilinearSample(value: tf.Tensor4D, loc: tf.Tensor3D): tf.Tensor3D {
  const [g, h, w, c] = value.shape;
  return bilinearSampleRows(tf.reshape(value, [g, h * w, c]), oneMap(h, w, loc.shape[1]), loc);
}
