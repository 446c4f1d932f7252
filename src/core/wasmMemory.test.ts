import { describe, expect, it } from 'vitest';
import { detrPreset } from './detrConfig';
import { WASM_TRAINING_BUDGET, wasmBatchProblem, wasmStepBytes } from './wasmMemory';

const LAPTOP = { height: 320, width: 432 };
const TINY = { height: 128, width: 176 };

describe('wasm training memory', () => {
  it('covers the measured heap peaks of the laptop preset (1,205 MiB at batch 1, 2,361 MiB at batch 2)', () => {
    expect(wasmStepBytes(LAPTOP, 1)).toBeGreaterThan(1205 * 2 ** 20);
    expect(wasmStepBytes(LAPTOP, 2)).toBeGreaterThan(2361 * 2 ** 20);
    expect(wasmStepBytes(LAPTOP, 2)).toBeLessThan(WASM_TRAINING_BUDGET);
  });

  it('refuses the laptop preset at batch 4 and names the batch that fits', () => {
    const problem = wasmBatchProblem(detrPreset('laptop'), LAPTOP, 4);
    expect(problem).toMatch(/^batch 4 at 320×432 \(image size 320\) needs about 4\.7 GiB/);
    expect(problem).toMatch(/use batch ≤ 2 here, or a GPU backend/);
    expect(wasmBatchProblem(detrPreset('laptop'), LAPTOP, 2)).toBeNull();
  });

  it('lets the tiny preset train at the batch sizes the tests use', () => {
    expect(wasmBatchProblem(detrPreset('tiny'), TINY, 8)).toBeNull();
  });

  it('asks for a smaller image when even one image does not fit', () => {
    expect(wasmBatchProblem({ imageSize: 1024 }, { height: 1024, width: 1360 }, 1)).toMatch(/use a smaller image size or a GPU backend/);
  });
});
