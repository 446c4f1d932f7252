// Node only (tests and scripts): switch tfjs between the CPU backend and the WebAssembly backend
// (XNNPACK; the fastest CPU backend, which trains through conv3x3's nine-tap path).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'cpu' | 'wasm';

export async function switchBackend(name: NodeBackend): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
