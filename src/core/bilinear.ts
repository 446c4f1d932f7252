// Bilinear sampling of feature maps at fractional locations, the read of multi-scale deformable
// attention (Zhu et al., 2021): torch's grid_sample with mode 'bilinear', padding 'zeros' and
// align_corners=False. Each location reads its four neighbouring cells by integer index; the
// bilinear weights carry the gradient to the locations, the gathered rows carry it to the values.
// A neighbour outside the map reads zero, so a location outside the map fades to zero. The corners'
// indices are closed over by gatherRows, not passed in, so no gradient is asked of integers.
//
// tfjs's gather differentiates through UnsortedSegmentSum, which the wasm backend lacks, so rows are
// gathered by `gatherRows`, whose gradient scatters with ScatterNd there.
//
// Dimensions: G independent maps (batch × heads), H×W cells, C channels, M locations per map.
import * as tf from '@tensorflow/tfjs';

/** Rows of x [R, C] at idx [M] (int32, every entry in [0, R)) → [M, C]; repeated rows sum their gradients. */
export function gatherRows(x: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor2D {
  const [r, c] = x.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [rows, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([idx]); // kept for the backward pass, which may run after the caller's tidy has ended
    const gradFunc = (dy: tf.Tensor2D, [at]: tf.Tensor[]): tf.Tensor =>
      tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined
        ? tf.unsortedSegmentSum(dy, at as tf.Tensor1D, r) // [R, C]
        : tf.tidy(() => tf.scatterND(tf.reshape(at as tf.Tensor1D, [-1, 1]), dy, [r, c])); // [R, C], repeats summed
    return { value: tf.gather(rows, idx), gradFunc }; // [M, C]
  });
  return f(x) as tf.Tensor2D;
}

/**
 * value [G, H, W, C] read at loc [G, M, 2] — (x, y) in [0, 1] of the map's width and height, cell
 * centres at (i + 0.5) / W — by bilinear interpolation with zeros outside → [G, M, C].
 */
export function bilinearSample(value: tf.Tensor4D, loc: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [g, h, w, c] = value.shape;
    const m = loc.shape[1];
    const px = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 0], [g, m, 1]), [g, m]), w), 0.5); // [G, M] in cells
    const py = tf.sub(tf.mul(tf.reshape(tf.slice(loc, [0, 0, 1], [g, m, 1]), [g, m]), h), 0.5); // [G, M]
    const x0 = tf.floor(px); // [G, M]; floor's gradient is zero
    const y0 = tf.floor(py); // [G, M]
    const fx = tf.sub(px, x0); // [G, M] in [0, 1): the gradient to loc flows here
    const fy = tf.sub(py, y0); // [G, M]
    const rows = tf.reshape<tf.Rank.R2>(value, [g * h * w, c]); // [G·H·W, C]
    const mapStart = tf.reshape(tf.mul(tf.range(0, g, 1, 'float32'), h * w), [g, 1]); // [G, 1]
    const inside = (v: tf.Tensor, size: number) => tf.mul(tf.step(tf.add(v, 0.5)), tf.step(tf.sub(size - 0.5, v))); // 1 where 0 ≤ v ≤ size − 1
    const corners = [
      [0, 0, tf.mul(tf.sub(1, fx), tf.sub(1, fy))],
      [1, 0, tf.mul(fx, tf.sub(1, fy))],
      [0, 1, tf.mul(tf.sub(1, fx), fy)],
      [1, 1, tf.mul(fx, fy)],
    ] as const;
    let out: tf.Tensor = tf.zeros([g, m, c]);
    for (const [dx, dy, weight] of corners) {
      const xi = tf.add(x0, dx); // [G, M]
      const yi = tf.add(y0, dy); // [G, M]
      const valid = tf.mul(inside(xi, w), inside(yi, h)); // [G, M]
      const cell = tf.add(tf.add(tf.mul(tf.clipByValue(yi, 0, h - 1), w), tf.clipByValue(xi, 0, w - 1)), mapStart); // [G, M]
      const read = tf.reshape(gatherRows(rows, tf.reshape(tf.cast(cell, 'int32'), [g * m])), [g, m, c]); // [G, M, C]
      out = tf.add(out, tf.mul(read, tf.expandDims(tf.mul(weight, valid), 2))); // [G, M, C]
    }
    return out as tf.Tensor3D;
  });
}
