import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { detrPreset, type DetrConfig } from './detrConfig';
import { activeWasmModule, guardWasmHeap, isBrokenWasmHeap, WASM_TRAINING_BUDGET, WasmHeapFullError, wasmBatchProblem, wasmStepBytes } from './wasmMemory';

const LAPTOP = { height: 320, width: 432 };
const TINY = { height: 128, width: 176 };
const MiB = 2 ** 20;
const deformable = (preset: 'tiny' | 'laptop'): DetrConfig => {
  const c = detrPreset(preset);
  c.transformer.attention = 'deformable';
  return c;
};

describe('wasm training memory', () => {
  it('covers the measured heap peaks of dense laptop (1,205 and 2,361 MiB), deformable tiny (298, 515, 905 MiB) and deformable laptop (2,278 MiB)', () => {
    expect(wasmStepBytes(detrPreset('laptop'), LAPTOP, 1)).toBeGreaterThan(1205 * MiB);
    expect(wasmStepBytes(detrPreset('laptop'), LAPTOP, 2)).toBeGreaterThan(2361 * MiB);
    expect(wasmStepBytes(detrPreset('laptop'), LAPTOP, 2)).toBeLessThan(WASM_TRAINING_BUDGET);
    [[1, 298], [2, 515], [4, 905]].forEach(([batch = 0, mib = 0]) => expect(wasmStepBytes(deformable('tiny'), TINY, batch)).toBeGreaterThan(mib * MiB));
    expect(wasmStepBytes(deformable('laptop'), LAPTOP, 1)).toBeGreaterThan(2278 * MiB);
    expect(wasmStepBytes(deformable('laptop'), LAPTOP, 1)).toBeLessThan(1.1 * 2278 * MiB); // not so far over that a batch that fits is refused
  });

  it('refuses dense laptop at batch 4 and names the batch that fits', () => {
    const problem = wasmBatchProblem(detrPreset('laptop'), LAPTOP, 4);
    expect(problem).toMatch(/^batch 4 at 320×432 \(image size 320, dense attention\) needs about 4\.8 GiB/);
    expect(problem).toMatch(/use batch ≤ 2 here, or a GPU backend/);
    expect(wasmBatchProblem(detrPreset('laptop'), LAPTOP, 2)).toBeNull();
  });

  it('refuses deformable laptop at batch 2 and names batch 1, and lets tiny train', () => {
    expect(wasmBatchProblem(deformable('laptop'), LAPTOP, 2)).toMatch(/deformable attention\) needs about 4\.\d GiB .* use batch ≤ 1 here, or a GPU backend/);
    expect(wasmBatchProblem(deformable('laptop'), LAPTOP, 1)).toBeNull();
    expect(wasmBatchProblem(deformable('tiny'), TINY, 4)).toBeNull();
    expect(wasmBatchProblem(detrPreset('tiny'), TINY, 8)).toBeNull();
  });
});

describe('the wasm heap guard', () => {
  it('turns an allocation on a full heap into WasmHeapFullError, where tfjs alone would write over address 0', async () => {
    await tf.setBackend('wasm');
    guardWasmHeap();
    const wasm = activeWasmModule();
    if (!wasm) throw new Error('the wasm backend did not start');
    // Fill the heap the way a too-large step does, 64 MiB and then 1 MiB at a time.
    const hog: number[] = [];
    for (const chunk of [64 * MiB, MiB]) {
      for (;;) {
        let p = 0;
        try {
          p = wasm._malloc(chunk);
        } catch (err) {
          expect(err).toBeInstanceOf(WasmHeapFullError);
          break;
        }
        hog.push(p);
      }
    }
    expect(wasm.HEAPU8.length).toBeGreaterThan(3.9 * 2 ** 30);
    let thrown: unknown = null;
    try {
      tf.ones([4 * MiB]).dispose();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WasmHeapFullError);
    expect(isBrokenWasmHeap(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/^the WebAssembly heap is full: 16 MiB more could not be allocated \(it holds \d+ MiB of at most 4 GiB\)$/);
    for (const p of hog) wasm._free(p);
    // Freed, the heap serves again: the failed allocation wrote nothing.
    const t = tf.ones([4 * MiB]);
    expect((await t.sum().data())[0]).toBe(4 * MiB);
    t.dispose();
    expect(isBrokenWasmHeap(new Error('other'))).toBe(false);
  });
});
