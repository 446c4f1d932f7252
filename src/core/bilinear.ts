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
// Dimensions: G independent maps (batch × heads), H×W cells, C channels, M locations per map.
import * as tf from '@tensorflow/tfjs';

/** Rows of dy [M, C] added into [R, C] at idx [M] (int32, in [0, R)), repeats summed. */
function scatterRows(dy: tf.Tensor2D, idx: tf.Tensor1D, r: number): tf.Tensor2D {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined
    ? tf.unsortedSegmentSum(dy, idx, r) // [R, C]
    : tf.scatterND(tf.reshape(idx, [-1, 1]), dy, [r, dy.shape[1]]); // [R, C]
}

/** One of the four neighbours of every location: its row in [G·H·W, C], its weight, and the weight's slopes. */
interface Corner {
  /** [G·M] int32 row of the cell (clamped into the map; `weight` is 0 where it is outside). */
  row: tf.Tensor1D;
  /** [G, M, 1] bilinear weight, 0 outside the map. */
  weight: tf.Tensor3D;
  /** [G, M] d weight / d px and d weight / d py, in cells, 0 outside the map. */
  dWdx: tf.Tensor2D;
  dWdy: tf.Tensor2D;
}

/** The four neighbours of loc [G, M, 2] in maps of H×W cells (no gradient: integers and plain weights). */
function corners(loc: tf.Tensor3D, h: number, w: number): Corner[] {
  const [g, m] = loc.shape;
  const px = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 0], [g, m, 1]), [g, m]), w), 0.5); // [G, M] in cells
  const py = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 1], [g, m, 1]), [g, m]), h), 0.5); // [G, M]
  const x0 = tf.floor(px); // [G, M]
  const y0 = tf.floor(py); // [G, M]
  const fx = tf.sub(px, x0); // [G, M] in [0, 1)
  const fy = tf.sub(py, y0); // [G, M]
  const mapStart = tf.reshape(tf.mul(tf.range(0, g, 1, 'float32'), h * w), [g, 1]); // [G, 1]
  const inside = (v: tf.Tensor, size: number) => tf.mul(tf.step(tf.add(v, 0.5)), tf.step(tf.sub(size - 0.5, v))); // 1 where 0 ≤ v ≤ size − 1
  // Along one axis the near cell weighs 1 − f and the far one f; their slopes are −1 and +1.
  const along = (f: tf.Tensor, far: number) => (far ? f : tf.sub(1, f));
  const slope = (far: number) => (far ? 1 : -1);
  return ([[0, 0], [1, 0], [0, 1], [1, 1]] as const).map(([dx, dy]) => {
    const xi = tf.add(x0, dx); // [G, M]
    const yi = tf.add(y0, dy); // [G, M]
    const valid = tf.mul(inside(xi, w), inside(yi, h)); // [G, M]
    const cell = tf.add(tf.add(tf.mul(tf.clipByValue(yi, 0, h - 1), w), tf.clipByValue(xi, 0, w - 1)), mapStart); // [G, M]
    return {
      row: tf.reshape(tf.cast(cell, 'int32'), [g * m]),
      weight: tf.expandDims(tf.mul(tf.mul(along(fx, dx), along(fy, dy)), valid), 2) as tf.Tensor3D,
      dWdx: tf.mul(tf.mul(along(fy, dy), slope(dx)), valid) as tf.Tensor2D,
      dWdy: tf.mul(tf.mul(along(fx, dx), slope(dy)), valid) as tf.Tensor2D,
    };
  });
}

/**
 * value [G, H, W, C] read at loc [G, M, 2] — (x, y) in [0, 1] of the map's width and height, cell
 * centres at (i + 0.5) / W — by bilinear interpolation with zeros outside → [G, M, C].
 *
 * One custom gradient for the whole read: the backward pass keeps only value and loc and gathers
 * each corner again, one at a time, instead of the tape keeping the four gathered [G, M, C] reads
 * of every call until the whole backward pass ends (the bulk of a deformable step's memory).
 */
export function bilinearSample(value: tf.Tensor4D, loc: tf.Tensor3D): tf.Tensor3D {
  const [g, h, w, c] = value.shape;
  const m = loc.shape[1];
  /** Each corner's read of rows [G·H·W, C] → [G, M, C], passed through `use` before the next is gathered. */
  const eachRead = (rows: tf.Tensor2D, ks: Corner[], use: (read: tf.Tensor3D, k: Corner) => tf.Tensor): tf.Tensor[] =>
    ks.map((k) => tf.tidy(() => use(tf.reshape(tf.gather(rows, k.row), [g, m, c]), k)));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [v, at, save] = args as [tf.Tensor4D, tf.Tensor3D, tf.GradSaveFunc];
    save([v, at]);
    const out = tf.tidy(() => tf.addN(eachRead(tf.reshape<tf.Rank.R2>(v, [g * h * w, c]), corners(at, h, w), (read, k) => tf.mul(read, k.weight)))); // [G, M, C]
    const gradFunc = (dy: tf.Tensor3D, [sv, sat]: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const rows = tf.reshape<tf.Rank.R2>(sv as tf.Tensor4D, [g * h * w, c]); // [G·H·W, C]
        const ks = corners(sat as tf.Tensor3D, h, w);
        // To the values: dy, weighted, back to the cell each corner read.
        const dRows = tf.addN(ks.map((k) => scatterRows(tf.reshape<tf.Rank.R2>(tf.mul(dy, k.weight), [g * m, c]), k.row, g * h * w))); // [G·H·W, C]
        // To the locations: each corner's read · dy, times its weight's slope; px = x·W − 0.5.
        const dots = eachRead(rows, ks, (read) => tf.sum(tf.mul(read, dy), 2)); // 4 × [G, M]
        const dx = tf.mul(tf.addN(dots.map((d, i) => tf.mul(d, ks[i]!.dWdx))), w); // [G, M]
        const dyLoc = tf.mul(tf.addN(dots.map((d, i) => tf.mul(d, ks[i]!.dWdy))), h); // [G, M]
        return [tf.reshape(dRows, [g, h, w, c]), tf.stack([dx, dyLoc], 2)]; // [G, H, W, C], [G, M, 2]
      });
    return { value: out as tf.Tensor3D, gradFunc };
  });
  return f(value, loc) as tf.Tensor3D;
}
