import { describe, expect, it } from 'vitest';
import { DEFAULT_DOWNSTREAM } from '../../core/downstream';
import { applyDownstreamTexts, downstreamTexts } from './downstreamForm';

describe('applyDownstreamTexts', () => {
  it('round-trips the defaults', () => {
    expect(applyDownstreamTexts(downstreamTexts(DEFAULT_DOWNSTREAM), DEFAULT_DOWNSTREAM)).toEqual({ settings: DEFAULT_DOWNSTREAM, problems: null });
  });

  it('takes the choices as they are', () => {
    const choices = { tune: 'heads' as const, augment: { flip: false, cropMinScale: 0.3 } };
    expect(applyDownstreamTexts(downstreamTexts(DEFAULT_DOWNSTREAM), choices).settings).toEqual({ ...DEFAULT_DOWNSTREAM, ...choices });
  });

  it('names each bad field by its label with what came', () => {
    const r = applyDownstreamTexts({ ...downstreamTexts(DEFAULT_DOWNSTREAM), trainFraction: '1', steps: '2.5', lr: 'fast', seed: '' }, DEFAULT_DOWNSTREAM);
    expect(r.settings).toBeNull();
    expect(r.problems).toEqual({
      trainFraction: 'Labeled share that fine-tunes: expected a number between 0 and 1, got "1"',
      steps: 'Fine-tuning steps: expected a whole number from 1 to 1000000, got "2.5"',
      lr: 'Learning rate: expected a number between 0 and 1, got "fast"',
      seed: 'Seed: expected a whole number from 0 to 2147483647, got nothing',
    });
  });

  it('refuses evaluating less often than the run is long', () => {
    const r = applyDownstreamTexts({ ...downstreamTexts(DEFAULT_DOWNSTREAM), steps: '40', evalEvery: '50' }, { ...DEFAULT_DOWNSTREAM, tune: 'heads' });
    expect(r.problems).toEqual({ evalEvery: 'Evaluate every: 50 steps is more than the 40 fine-tuning steps' });
  });
});
