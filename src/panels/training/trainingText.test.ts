import { describe, expect, it } from 'vitest';
import { formatEta, formatMiB, formatRate, statusText } from './trainingText';

describe('statusText', () => {
  it('counts rounds from 1 and shows the step of all rounds', () => {
    const t = { status: 'running' as const, round: 0, step: 37, totalSteps: 100, message: null };
    expect(statusText(t, 2, 50)).toBe('Round 1 of 2 · step 37 / 100 · running');
  });

  it('shows the worker message, and the config total before the worker sent one', () => {
    const t = { status: 'failed' as const, round: 0, step: 0, totalSteps: 0, message: 'out of memory' };
    expect(statusText(t, 2, 20)).toBe('Round 1 of 2 · step 0 / 40 · failed — out of memory');
    expect(statusText(null, 2, 20)).toBe('Not started');
  });
});

describe('formats', () => {
  it('writes the time left as m:ss or h:mm:ss', () => {
    expect(formatEta(0)).toBe('0:00');
    expect(formatEta(75.4)).toBe('1:15');
    expect(formatEta(3725)).toBe('1:02:05');
    expect(formatEta(Infinity)).toBe('—');
  });

  it('writes bytes in MiB and rates briefly', () => {
    expect(formatMiB(3 * 2 ** 20)).toBe('3.0 MiB');
    expect(formatRate(0.256)).toBe('0.26');
    expect(formatRate(42.26)).toBe('42.3');
  });
});
