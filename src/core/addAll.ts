// Summing many tensors in a form every backend runs. tfjs's WebGPU AddN kernel binds each input and
// the output as a storage buffer, and a WebGPU shader may bind 8 unless the device asks for more
// (tfjs does not). A wider AddN is an invalid pipeline, and WebGPU then drops the whole command
// buffer it was batched in without an exception: the global gradient norm did that on every step.
import * as tf from '@tensorflow/tfjs';

/** Inputs per AddN: with its output, the 8 storage buffers a WebGPU shader may bind. */
export const ADD_N_MAX = 7;

/** Σ of same-shape tensors, ADD_N_MAX at a time. */
export function addAll(xs: readonly tf.Tensor[]): tf.Tensor {
  if (xs.length === 0) throw new Error('addAll: nothing to add');
  let level: tf.Tensor[] = [...xs];
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += ADD_N_MAX) {
      const part = level.slice(i, i + ADD_N_MAX);
      next.push(part.length === 1 ? part[0]! : tf.addN(part));
    }
    level = next;
  }
  return level[0]!;
}
