// WebAssembly has one linear memory of at most 4 GiB, and tfjs's wasm backend does not check its
// allocations: a training step that needs more ends in "memory access out of bounds" and leaves the
// backend unusable. So a step's memory is estimated before training starts, and a batch that cannot
// fit is refused with a message that says what does.
//
// The estimate is measured, not derived: a training step keeps every activation and its gradient
// until the backward pass ends, so the heap grows with the input's pixels. Measured on the wasm
// backend (Node, tfjs 4.22, 30 targets per image; `npm run eval:memory`), heap after one step:
//   dense attention, `laptop` (320×432): 1,205 MiB at batch 1, 2,361 MiB at batch 2 (8.8 kB per pixel,
//     the backbone's early, wide layers dominate);
//   deformable attention (the bilinear read's own gradient, which keeps no gathered reads), `tiny`
//     (128×176, D 64, 2 encoder layers): 298, 515 and 905 MiB at batch 1, 2 and 4; `laptop` (D 128,
//     3 encoder layers): 2,278 MiB at batch 1. Every encoder token samples L·P points per head, so
//     beyond the backbone's share the sampling grows with D and the encoder's depth: fitted as
//     5.4 kB + 28.5 B × D × layers per pixel.
// The constants below round those up.
//
// The estimate cannot see everything (another job's tensors, a config it has not measured), so the
// heap is also guarded: guardWasmHeap makes tfjs's unchecked allocation throw WasmHeapFullError
// instead of writing the tensor over address 0, and isBrokenWasmHeap tells the worker that its
// heap is done for (a full heap, or a trap such as "memory access out of bounds").

import * as tf from '@tensorflow/tfjs';
import type { DetrConfig } from './detrConfig';

const FIXED_BYTES = 128 * 2 ** 20;
const DENSE_BYTES_PER_PIXEL = 9_000;
/** Deformable: bytes per input pixel, plus as many again for each unit of D × encoder layers. */
const DEFORMABLE_BYTES_PER_PIXEL = 5_500;
const DEFORMABLE_BYTES_PER_PIXEL_PER_D_LAYER = 30;
/** Below the 4 GiB ceiling, leaving room for the heap's growth steps and the data outside tensors. */
export const WASM_TRAINING_BUDGET = 3.5 * 2 ** 30;

type MemoryConfig = Pick<DetrConfig, 'imageSize'> & { transformer: Pick<DetrConfig['transformer'], 'attention' | 'dModel' | 'numEncoderLayers'> };

/** Estimated peak wasm heap of one training step, in bytes. */
export function wasmStepBytes(detr: MemoryConfig, input: { height: number; width: number }, batchSize: number): number {
  const t = detr.transformer;
  const perPixel =
    t.attention === 'deformable'
      ? DEFORMABLE_BYTES_PER_PIXEL + DEFORMABLE_BYTES_PER_PIXEL_PER_D_LAYER * t.dModel * Math.max(1, t.numEncoderLayers)
      : DENSE_BYTES_PER_PIXEL;
  return FIXED_BYTES + batchSize * input.height * input.width * perPixel;
}

/** Why `batchSize` images of `input` cannot train on the wasm backend, or null when they fit. */
export function wasmBatchProblem(detr: MemoryConfig, input: { height: number; width: number }, batchSize: number): string | null {
  if (wasmStepBytes(detr, input, batchSize) <= WASM_TRAINING_BUDGET) return null;
  let fits = batchSize;
  while (fits > 0 && wasmStepBytes(detr, input, fits) > WASM_TRAINING_BUDGET) fits--;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  return `batch ${batchSize} at ${input.height}×${input.width} (image size ${detr.imageSize}, ${detr.transformer.attention} attention) needs about ` +
    `${gib(wasmStepBytes(detr, input, batchSize))} GiB per training step, more than the WebAssembly backend can hold ` +
    `(${gib(WASM_TRAINING_BUDGET)} GiB of its 4 GiB); ` +
    (fits > 0 ? `use batch ≤ ${fits} here, or a GPU backend (WebGPU or WebGL)` : 'use a smaller image size or a GPU backend (WebGPU or WebGL)');
}

/** The wasm module's allocator, as tfjs's wasm backend holds it. */
interface WasmAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}

/** The module of the active tfjs backend when it is wasm, else null. */
export function activeWasmModule(): WasmAllocator | null {
  if (tf.getBackend() !== 'wasm') return null;
  return (tf.backend() as unknown as { wasm: WasmAllocator }).wasm;
}

export class WasmHeapFullError extends Error {
  constructor(bytes: number) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    super(`the WebAssembly heap is full: ${mib(bytes)} more could not be allocated (it holds ${mib(activeWasmModule()?.HEAPU8.length ?? 0)} of at most 4 GiB)`);
    this.name = 'WasmHeapFullError';
  }
}

const guarded = new WeakSet<WasmAllocator>();

/**
 * tfjs's wasm backend takes every tensor's memory from the module's malloc and never checks it: a
 * full heap gives 0, and the tensor is written over address 0 (measured: the next op traps with
 * "table index is out of bounds", and every op after it with "memory access out of bounds").
 * After this call such an allocation throws WasmHeapFullError before anything is written.
 */
export function guardWasmHeap(): void {
  const wasm = activeWasmModule();
  if (!wasm || guarded.has(wasm)) return;
  // Emscripten's exports bind lazily: the first call replaces `_malloc` on the module with the raw
  // export, which would replace the guard too. Made once here, that call happens before it.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) throw new WasmHeapFullError(bytes);
    return pointer;
  };
  guarded.add(wasm);
}

/** After this error nothing more may run on the heap: only a fresh worker has a fresh one. */
export function isBrokenWasmHeap(err: unknown): boolean {
  return err instanceof WasmHeapFullError || (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError);
}
