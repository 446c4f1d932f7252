// WebAssembly has one linear memory of at most 4 GiB, and tfjs's wasm backend does not check its
// allocations: a training step that needs more ends in "memory access out of bounds" and leaves the
// backend unusable. So a step's memory is estimated before training starts, and a batch that cannot
// fit is refused with a message that says what does.
//
// The estimate is measured, not derived: a training step keeps every activation and its gradient
// until the backward pass ends, and the MobileNetV2 backbone's early, wide layers dominate, so the
// heap grows with the input's pixels. Measured on the wasm backend (Node, tfjs 4.22, `laptop` preset,
// 320×432, 30 targets per image): the heap peaked at 1,205 MiB for batch 1 and 2,361 MiB for batch 2,
// 8.77 kB per input pixel; the constants below round that up.

import type { DetrConfig } from './detrConfig';

const BYTES_PER_PIXEL = 9_000;
const FIXED_BYTES = 64 * 2 ** 20;
/** Below the 4 GiB ceiling, leaving room for the heap's growth steps and the data outside tensors. */
export const WASM_TRAINING_BUDGET = 3.5 * 2 ** 30;

/** Estimated peak wasm heap of one training step, in bytes. */
export function wasmStepBytes(input: { height: number; width: number }, batchSize: number): number {
  return FIXED_BYTES + batchSize * input.height * input.width * BYTES_PER_PIXEL;
}

/** Why `batchSize` images of `input` cannot train on the wasm backend, or null when they fit. */
export function wasmBatchProblem(detr: Pick<DetrConfig, 'imageSize'>, input: { height: number; width: number }, batchSize: number): string | null {
  if (wasmStepBytes(input, batchSize) <= WASM_TRAINING_BUDGET) return null;
  let fits = batchSize;
  while (fits > 0 && wasmStepBytes(input, fits) > WASM_TRAINING_BUDGET) fits--;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  return `batch ${batchSize} at ${input.height}×${input.width} (image size ${detr.imageSize}) needs about ${gib(wasmStepBytes(input, batchSize))} GiB ` +
    `per training step, more than the WebAssembly backend can hold (${gib(WASM_TRAINING_BUDGET)} GiB of its 4 GiB); ` +
    (fits > 0 ? `use batch ≤ ${fits} here, or a GPU backend (WebGPU or WebGL)` : 'use a smaller image size or a GPU backend (WebGPU or WebGL)');
}
