// Faults the e2e tests inject through the ?runner=1 surface, to prove the studio recovers from
// them: the real fault where the browser allows it (the device destroyed), else its closest cause.

import * as tf from '@tensorflow/tfjs';
import { activeWasmModule } from '../core/wasmMemory';
import { GpuWatch } from './gpuWatch';
import { assertNever, type InjectedFault } from './protocol';

export function injectFault(fault: InjectedFault): void {
  switch (fault) {
    case 'loseDevice':
      return GpuWatch.destroyDevice();
    case 'crash':
      // Thrown from a timer, outside every handler: the page gets it as the worker's error event.
      setTimeout(() => {
        throw new Error('injected crash: an uncaught error in the training worker');
      }, 0);
      return;
    case 'fillWasmHeap':
      return fillWasmHeap();
    case 'gpuOutOfMemory':
      return GpuWatch.injectOutOfMemory();
    case 'invalidGpuCommand':
      return invalidGpuCommand();
    case 'poisonWeights':
      return poisonWeights();
    default:
      return assertNever(fault);
  }
}

/** Held for the worker's life: the worker is replaced once a step has failed for want of memory. */
const hog: number[] = [];

/** Takes the wasm heap up to its 4 GiB, as tensors a step cannot free would. Untouched, the memory costs address space, not RAM. */
function fillWasmHeap(): void {
  const wasm = activeWasmModule();
  if (!wasm) throw new Error('fillWasmHeap needs the wasm backend');
  for (const chunk of [64 * 2 ** 20, 2 ** 20]) {
    for (;;) {
      let pointer = 0;
      try {
        pointer = wasm._malloc(chunk);
      } catch {
        // guardWasmHeap's WasmHeapFullError: this size no longer fits.
      }
      if (pointer === 0) break;
      hog.push(pointer);
    }
  }
}

/** NaN in one trainable weight of the running detector, as a diverging update leaves it: the next loss is not finite. */
function poisonWeights(): void {
  const trainable = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
  const victim = trainable.at(-1);
  if (!victim) throw new Error('poisonWeights needs a detector in training: no trainable weight is registered');
  victim.assign(tf.fill(victim.shape, Number.NaN));
}

/** 12 inputs to one AddN: WebGPU rejects the pipeline (8 storage buffers at most), as it did the old global norm's. */
function invalidGpuCommand(): void {
  if (tf.getBackend() !== 'webgpu') throw new Error(`invalidGpuCommand needs the webgpu backend, not ${tf.getBackend()}`);
  const sum = tf.tidy(() => tf.addN(Array.from({ length: 12 }, () => tf.scalar(1))));
  void sum.data().finally(() => sum.dispose());
}
