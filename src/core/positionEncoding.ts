// 2-D sine position encoding of the image tokens, as detr's PositionEmbeddingSine(normalize=True):
// each valid cell's row and column are counted from 1, divided by the image's valid height/width and
// scaled to (0, 2π]; each axis gets D/2 channels of interleaved sin/cos at geometric frequencies.
// Padded cells (mask 0) count as nothing, so a padded image encodes like the same image unpadded.
//
// Dimensions: B batch, h×w feature grid, D channels (D/2 for y first, then D/2 for x), F = D/2.
import * as tf from '@tensorflow/tfjs';

const EPS = 1e-6;
const SCALE = 2 * Math.PI;

/** 1 / temperature^(2j/F) for j < F/2: the frequency shared by channels 2j (sin) and 2j+1 (cos). */
function inverseFrequencies(numPosFeats: number, temperature: number): Float32Array {
  const f = new Float32Array(numPosFeats / 2);
  for (let j = 0; j < f.length; j++) f[j] = temperature ** (-(2 * j) / numPosFeats);
  return f;
}

/** embed [B, h, w] (positions in (0, 2π]) → [B, h, w, F] as [sin a0, cos a0, sin a1, cos a1, …]. */
function sinCos(embed: tf.Tensor3D, freq: tf.Tensor1D): tf.Tensor4D {
  const [b, h, w] = embed.shape;
  const angles = tf.mul(tf.expandDims(embed, 3), freq); // [B, h, w, F/2]
  const pairs = tf.stack([tf.sin(angles), tf.cos(angles)], 4); // [B, h, w, F/2, 2]
  return tf.reshape(pairs, [b, h, w, 2 * freq.shape[0]]);
}

/**
 * notMask [B, h, w] (1 = a real cell, 0 = padding) → positions [B, h, w, D]. D must be a multiple of 4.
 * A constant of the input size: it carries no gradient and needs none.
 */
export function sinePositionEncoding(notMask: tf.Tensor3D, dModel: number, temperature = 10000): tf.Tensor4D {
  if (dModel % 4 !== 0) throw new Error(`sinePositionEncoding: expected dModel a multiple of 4, got ${dModel}`);
  return tf.tidy(() => {
    const [b, h, w] = notMask.shape;
    const yEmbed = tf.cumsum(notMask, 1); // [B, h, w] rows counted from 1
    const xEmbed = tf.cumsum(notMask, 2); // [B, h, w] columns counted from 1
    const yLast = tf.slice(yEmbed, [0, h - 1, 0], [b, 1, w]); // [B, 1, w] valid height per column
    const xLast = tf.slice(xEmbed, [0, 0, w - 1], [b, h, 1]); // [B, h, 1] valid width per row
    const yNorm = tf.mul(tf.div(yEmbed, tf.add(yLast, EPS)), SCALE) as tf.Tensor3D; // [B, h, w] in (0, 2π]
    const xNorm = tf.mul(tf.div(xEmbed, tf.add(xLast, EPS)), SCALE) as tf.Tensor3D; // [B, h, w] in (0, 2π]
    const freq = tf.tensor1d(inverseFrequencies(dModel / 2, temperature)); // [F/2]
    return tf.concat([sinCos(yNorm, freq), sinCos(xNorm, freq)], 3); // [B, h, w, D]
  });
}

/**
 * The not-padding mask of a batch on its h×w feature grid, from each image's unpadded pixel size
 * (images sit at the top-left of the padded batch; a cell is real if its stride-s window starts inside).
 */
export function featureNotMask(
  sizes: readonly { readonly height: number; readonly width: number }[],
  grid: { readonly h: number; readonly w: number },
  stride: number,
): tf.Tensor3D {
  const values = new Float32Array(sizes.length * grid.h * grid.w);
  sizes.forEach(({ height, width }, i) => {
    const rows = Math.min(grid.h, Math.ceil(height / stride));
    const cols = Math.min(grid.w, Math.ceil(width / stride));
    for (let y = 0; y < rows; y++) values.fill(1, (i * grid.h + y) * grid.w, (i * grid.h + y) * grid.w + cols);
  });
  return tf.tensor3d(values, [sizes.length, grid.h, grid.w]); // [B, h, w]
}
