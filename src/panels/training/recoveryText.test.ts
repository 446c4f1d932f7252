import { describe, expect, it } from 'vitest';
import { recoveryText } from './recoveryText';

const gpu = (run: { lostAtStep: number; checkpointStep: number } | null) =>
  recoveryText({ kind: 'gpu', at: 0, recovery: { cause: 'destroyed: Device was destroyed.', backend: 'webgpu', run } }, 3);

describe('recoveryText', () => {
  it('counts the steps since the checkpoint as repeated', () => {
    expect(gpu({ lostAtStep: 7, checkpointStep: 5 })).toContain('at step 7');
    expect(gpu({ lostAtStep: 7, checkpointStep: 5 })).toContain('from the checkpoint of step 5: 2 steps are repeated.');
    expect(gpu({ lostAtStep: 6, checkpointStep: 5 })).toContain(': 1 step is repeated.');
    expect(gpu({ lostAtStep: 4, checkpointStep: 4 })).toContain(': 0 steps are repeated.');
  });

  it('names the cause, and says when nothing was running', () => {
    const text = gpu(null);
    expect(text).toContain('The GPU device was lost (destroyed: Device was destroyed.)');
    expect(text).toContain('nothing was running');
    expect(text).not.toContain('repeated');
  });

  it('gives a crash its message and the dataset its size', () => {
    const text = recoveryText({ kind: 'crash', at: 0, message: 'Uncaught RangeError: out of memory', step: 12 }, 1);
    expect(text).toBe('The training worker crashed at step 12: Uncaught RangeError: out of memory. A new worker started; the dataset is intact (1 image).');
    expect(recoveryText({ kind: 'crash', at: 0, message: 'x', step: null }, 2)).toMatch(/^The training worker crashed: x\./);
  });
});
