// The backbone's two 3×3 convolutions ('same' padding, stride 1 or 2) in a form every backend can
// train. Where the active backend registers a fast filter-gradient kernel (cpu, webgl) they are
// tfjs's own fused ops. The wasm backend has the forward kernels but no Conv2DBackpropFilter and no
// DepthwiseConv2dNative backprop kernels, and WebGPU's are slow (OWN_GRADIENT_BACKENDS), so there
//   - the depthwise convolution keeps its native forward and gets its gradient here: the filter's
//     from the nine taps (shifted slices of the padded input) times dz, the input's as a forward
//     depthwise convolution of dz with the filter turned 180°;
//   - the stem (3 input channels) is written out as im2col: the nine taps concatenated and
//     multiplied by the filter as one matMul, differentiated by tfjs (a slice's gradient is a pad).
// Same values up to float summation order; the tests hold both forms to each other.
//
// Dimensions: B batch, h×w input, oh×ow output (⌈h/s⌉ × ⌈w/s⌉), C channels in, O channels out.

import * as tf from '@tensorflow/tfjs';
import { dense, throughRelu6 } from './dense';

export type Activation = 'relu6' | 'linear';

export interface Conv3x3Weights {
  readonly filter: tf.Tensor4D; // [3, 3, C, O] (HWIO), or [3, 3, C, 1] depthwise
  readonly bias: tf.Tensor1D; // [O] or [C]
}

/**
 * Backends whose filter-gradient kernels are registered but slow, so these convolutions use the
 * gradients below there too. tfjs's WebGPU kernels give each filter cell one thread that loops over
 * the whole batch and map: a few hundred threads, each looping B·h·w times. Exported for the
 * benchmark that compares the two.
 */
export const OWN_GRADIENT_BACKENDS = new Set(['webgpu']);

/** True when `kernel`'s op should be differentiated by tfjs: its gradient kernel is registered and fast. */
function hasKernel(kernel: string): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(kernel, backend) !== undefined && !OWN_GRADIENT_BACKENDS.has(backend);
}

/**
 * The nine taps of a 3×3 window with TF's 'same' padding: tap (ky, kx) [B, oh, ow, C] holds the input
 * pixel under filter cell (ky, kx) for every output position. Stride 2 reads each tap as one phase
 * of the padded input, rows then columns folded in two (strided slices have no gradient, and the wasm
 * backend slices rank ≤ 4 natively but higher ranks in slow JavaScript). The padded input is shared;
 * each tap is sliced when asked for, so a caller that reduces one tap at a time holds one, not nine.
 */
export function tapReader(x: tf.Tensor4D, stride: 1 | 2): (ky: number, kx: number) => tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [oh, ow] = [Math.ceil(h / stride), Math.ceil(w / stride)];
  const top = Math.floor(Math.max((oh - 1) * stride + 3 - h, 0) / 2);
  const left = Math.floor(Math.max((ow - 1) * stride + 3 - w, 0) / 2);
  if (stride === 1) {
    const padded = tf.pad(x, [[0, 0], [top, oh + 2 - h - top], [left, ow + 2 - w - left], [0, 0]]); // [B, oh+2, ow+2, C]
    return (ky, kx) => tf.slice(padded, [0, ky, kx, 0], [b, oh, ow, c]); // [B, oh, ow, C]
  }
  const padded = tf.pad(x, [[0, 0], [top, 2 * (oh + 1) - h - top], [left, 2 * (ow + 1) - w - left], [0, 0]]); // [B, 2oh+2, 2ow+2, C]
  const rowPhases = tf.reshape(padded, [b, oh + 1, 2, (2 * ow + 2) * c]); // [B, oh+1, 2, (2ow+2)·C]
  return (ky, kx) => {
    const rows = tf.slice(rowPhases, [0, ky >> 1, ky & 1, 0], [b, oh, 1, (2 * ow + 2) * c]); // [B, oh, 1, (2ow+2)·C]
    const colPhases = tf.reshape<tf.Rank.R4>(rows, [b, oh, ow + 1, 2 * c]); // [B, oh, ow+1, 2·C]
    return tf.slice(colPhases, [0, 0, kx >> 1, (kx & 1) * c], [b, oh, ow, c]); // [B, oh, ow, C]
  };
}

const CELLS = [0, 1, 2].flatMap((ky) => [0, 1, 2].map((kx) => [ky, kx] as const));

/** All nine taps at once, in (ky, kx) order. */
export function taps3x3(x: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D[] {
  const tap = tapReader(x, stride);
  return CELLS.map(([ky, kx]) => tap(ky, kx));
}

function activate(y: tf.Tensor4D, activation: Activation): tf.Tensor4D {
  return activation === 'relu6' ? tf.relu6(y) : y;
}

/** Depthwise 3×3: x [B, h, w, C] → [B, oh, ow, C]. */
export function depthwise3x3(x: tf.Tensor4D, w: Conv3x3Weights, stride: 1 | 2, activation: Activation): tf.Tensor4D {
  const forward = (xi: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D =>
    tf.fused.depthwiseConv2d({ x: xi, filter, strides: stride, pad: 'same', bias, activation });
  if (hasKernel('DepthwiseConv2dNativeBackpropFilter')) return forward(x, w.filter, w.bias);
  // The forward kernel exists everywhere; only the gradient is ours (it runs during backprop alone,
  // so a forward pass without gradients, as the matching pass, costs what the native op costs).
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, filter, bias] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const y = forward(xi, filter, bias); // [B, oh, ow, C]
    (args[3] as tf.GradSaveFunc)([xi, filter, y]);
    // Tidied: tfjs keeps what a gradient function leaves behind until the whole backward pass ends.
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
      const [xs, fs, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const dz = activation === 'relu6' ? throughRelu6(dy, ys) : dy; // [B, oh, ow, C]
      const [b, oh, ow, c] = dz.shape;
      const rows = tf.reshape(dz, [b * oh * ow, c]); // [N, C]
      const ones = tf.ones([1, b * oh * ow]); // sums over rows as a product: the wasm backend's row sum is slow
      // One tap at a time: nine taps of a large early layer at once overflowed wasm's 4 GiB heap.
      const dFilter = tf.tidy(() => {
        const tap = tapReader(xs, stride);
        return tf.concat(CELLS.map(([ky, kx]) => tf.tidy(() => tf.matMul(ones, tf.mul(tf.reshape(tap(ky, kx), [b * oh * ow, c]), rows)))), 0); // [9, C]
      });
      const dBias = tf.reshape(tf.matMul(ones, rows), [c]); // [C]
      return [depthwiseInputGradient(dz, fs, xs.shape, stride), tf.reshape(dFilter, fs.shape), dBias];
    });
    return { value: y, gradFunc };
  });
  return f(x, w.filter, w.bias) as tf.Tensor4D;
}

/**
 * dx of a 'same' depthwise 3×3 from dz [B, oh, ow, C]: dz spread back onto the stride grid (zeros
 * between), then correlated with the filter turned 180° — a forward depthwise kernel, not nine taps.
 * With s·i + ky − top = p for output i, cell ky and input row p, dx[p] = Σ_a u[p + a − (2 − top)] · w[2 − a].
 */
function depthwiseInputGradient(dz: tf.Tensor4D, filter: tf.Tensor4D, xShape: readonly number[], stride: 1 | 2): tf.Tensor4D {
  const [b, oh, ow, c] = dz.shape;
  const [h = 0, w = 0] = xShape.slice(1, 3);
  const top = Math.floor(Math.max((oh - 1) * stride + 3 - h, 0) / 2);
  const left = Math.floor(Math.max((ow - 1) * stride + 3 - w, 0) / 2);
  let up = dz; // [B, s·oh, s·ow, C]
  if (stride === 2) {
    const cols = tf.reshape(tf.concat([dz, tf.zerosLike(dz)], 3), [b, oh, 1, 2 * ow * c]); // [B, oh, 1, 2ow·C], a zero after each column
    up = tf.reshape(tf.concat([cols, tf.zerosLike(cols)], 2), [b, 2 * oh, 2 * ow, c]); // a zero row after each row
  }
  const [padTop, padLeft] = [2 - top, 2 - left];
  const padded = tf.pad(up, [[0, 0], [padTop, h + 2 - padTop - stride * oh], [padLeft, w + 2 - padLeft - stride * ow], [0, 0]]); // [B, h+2, w+2, C]
  return tf.depthwiseConv2d(padded, tf.reverse(filter, [0, 1]), 1, 'valid'); // [B, h, w, C]
}

/** Full 3×3 convolution: x [B, h, w, C] → [B, oh, ow, O]. */
export function conv3x3(x: tf.Tensor4D, w: Conv3x3Weights, stride: 1 | 2, activation: Activation): tf.Tensor4D {
  if (hasKernel('Conv2DBackpropFilter')) {
    return tf.fused.conv2d({ x, filter: w.filter, strides: stride, pad: 'same', bias: w.bias, activation });
  }
  return tf.tidy(() => {
    const [c, o] = [x.shape[3], w.filter.shape[3]];
    const columns = tf.concat(taps3x3(x, stride), 3); // [B, oh, ow, 9·C], cells in (ky, kx, c) order as HWIO
    const [b, oh, ow] = columns.shape;
    const rows = tf.reshape(columns, [b * oh * ow, 9 * c]) as tf.Tensor2D; // [B·oh·ow, 9·C]
    const y = dense(rows, tf.reshape(w.filter, [9 * c, o]), w.bias); // [B·oh·ow, O]
    return activate(tf.reshape(y, [b, oh, ow, o]), activation);
  });
}
