// A dense layer's matrix product, y = act(a·w + bias), for every 2-D matMul with weights: the
// backbone's 1×1 convolutions and the transformer's linear layers.
//
// tfjs differentiates a·w into transposed products (dy·wᵀ and aᵀ·dy, as matMul flags) and the bias
// into a sum over rows. The wasm backend runs flagged matMuls and row sums 5–30× slower than plain
// ones (measured on this project's shapes: 245 ms against 31 ms for dy·wᵀ at 24576×192×32), so there
// the gradient transposes explicitly and sums rows as a ones-vector product. The values are the
// same; elsewhere the gradient is tfjs's own.
//
// Dimensions: M rows, C input features, D output features.
import * as tf from '@tensorflow/tfjs';

export type DenseActivation = 'linear' | 'relu6';

/** dy back through relu6, from its output y: it passes where 0 < y < 6. */
export function throughRelu6<T extends tf.Tensor>(dy: T, y: T): T {
  return tf.mul<T>(dy, tf.cast(tf.logicalAnd(tf.greater(y, 0), tf.less(y, 6)), 'float32'));
}

/** a [M, C] · w [C, D] + bias [D], then the activation → [M, D]. */
export function dense(a: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D | null, activation: DenseActivation = 'linear'): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.fused.matMul({ a, b: w, bias: bias ?? undefined, activation }) as tf.Tensor2D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.at(-1) as tf.GradSaveFunc;
    const [x, weight] = args as [tf.Tensor2D, tf.Tensor2D];
    const b = bias === null ? undefined : (args[2] as tf.Tensor1D);
    const y = tf.fused.matMul({ a: x, b: weight, bias: b, activation }) as tf.Tensor2D; // [M, D]
    save([x, weight, y]);
    // Tidied: tfjs keeps what a gradient function leaves behind until the whole backward pass ends.
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => tf.tidy(() => {
      const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const dz = activation === 'relu6' ? throughRelu6(dy, ys) : dy; // [M, D]
      const [m, d] = dz.shape;
      const grads = [tf.matMul(dz, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dz)]; // [M, C], [C, D]
      return b === undefined ? grads : [...grads, tf.reshape(tf.matMul(tf.ones([1, m]), dz), [d])]; // + [D]
    });
    return { value: y, gradFunc };
  });
  return (bias === null ? f(a, w) : f(a, w, bias)) as tf.Tensor2D;
}
