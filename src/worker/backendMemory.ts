// What the backend holds, reported with every batch of steps: the live tensors and their bytes, and
// the memory the backend has taken for them, which a leak in its pools or a fragmenting heap grows
// while the tensors stay flat: every GPU buffer or texture allocated (WebGPU, WebGL, the free ones
// in their pools included), or the size of the wasm heap (it never shrinks). The CPU backend has none.

import * as tf from '@tensorflow/tfjs';
import { activeWasmModule } from '../core/wasmMemory';
import type { BackendMemory } from './protocol';

export function backendMemory(): BackendMemory {
  const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number; numBytesInGPUAllocated?: number };
  const wasm = activeWasmModule();
  const held = wasm ? wasm.HEAPU8.length : (m.numBytesAllocatedInGPU ?? m.numBytesInGPUAllocated ?? null);
  return { numTensors: m.numTensors, numBytes: m.numBytes, backendBytes: held };
}
