// WebAssembly has one linear memory of at most 4 GiB, and tfjs's wasm backend does not check its
// allocations: a training step that needs more ends in "memory access out of bounds" and leaves the
// backend unusable. So a step's memory is estimated before training starts, and a batch that cannot
// fit is refused with a message that says what does.
//
// The estimate is measured, not derived: a training step keeps every activation and its gradient
// until the backward pass ends, so the heap grows with the input's pixels. Measured on the wasm
// backend (Node, tfjs 4.22, 30 targets per image), heap after one step:
//   dense attention, `laptop` (320×432): 1,205 MiB at batch 1, 2,361 MiB at batch 2 (8.8 kB per pixel,
//     the backbone's early, wide layers dominate);
//   deformable attention, `tiny` (128×176, D 64, 2 encoder layers): 429, 808 and 1,394 MiB at batch
//     1, 2 and 4 (about 15 kB per pixel: every encoder token samples L·P points per head, so the
//     sampling grows with D and the encoder's depth too); `laptop` ran out of the 4 GiB at batch 1.
// The constants below round those up.

import type { DetrConfig } from './detrConfig';

const FIXED_BYTES = 128 * 2 ** 20;
const DENSE_BYTES_PER_PIXEL = 9_000;
/** Deformable: bytes per input pixel for each unit of D × encoder layers. */
const DEFORMABLE_BYTES_PER_PIXEL_PER_D_LAYER = 130;
/** Below the 4 GiB ceiling, leaving room for the heap's growth steps and the data outside tensors. */
export const WASM_TRAINING_BUDGET = 3.5 * 2 ** 30;

type MemoryConfig = Pick<DetrConfig, 'imageSize'> & { transformer: Pick<DetrConfig['transformer'], 'attention' | 'dModel' | 'numEncoderLayers'> };

/** Estimated peak wasm heap of one training step, in bytes. */
export function wasmStepBytes(detr: MemoryConfig, input: { height: number; width: number }, batchSize: number): number {
  const t = detr.transformer;
  const perPixel = t.attention === 'deformable' ? DEFORMABLE_BYTES_PER_PIXEL_PER_D_LAYER * t.dModel * Math.max(1, t.numEncoderLayers) : DENSE_BYTES_PER_PIXEL;
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
