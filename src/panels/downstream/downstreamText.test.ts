import { describe, expect, it } from 'vitest';
import type { DownstreamPoint } from '../../core/downstream';
import { verdict } from './downstreamText';

const p = (step: number, ap50: number, ap: number): DownstreamPoint => ({ step, loss: 1, ap, ap50, ar100: 0, agnosticAp50: 0 });

describe('verdict', () => {
  it('waits until both arms are evaluated at the same step', () => {
    expect(verdict({ pretrained: [p(50, 0.2, 0.1)], none: [] }, 'all')).toBeNull();
    expect(verdict({ pretrained: [p(50, 0.2, 0.1), p(100, 0.3, 0.1)], none: [p(50, 0.1, 0.05)] }, 'all')).toBeNull();
  });

  it('says ahead only when both AP50 and AP are higher', () => {
    expect(verdict({ pretrained: [p(100, 0.3, 0.12)], none: [p(100, 0.2, 0.1)] }, 'all')).toBe(
      'After 100 steps the pretrained detector is ahead: AP50 0.300 against 0.200, AP 0.120 against 0.100.',
    );
    expect(verdict({ pretrained: [p(100, 0.3, 0.09)], none: [p(100, 0.2, 0.1)] }, 'all')).toMatch(/has not helped: AP50 0.300 against 0.200, AP 0.090 against 0.100/);
    expect(verdict({ pretrained: [p(100, 0, 0)], none: [p(100, 0, 0)] }, 'all')).toMatch(/score the same .* too few or the fine-tuning too short .* the heads only/);
    expect(verdict({ pretrained: [p(100, 0, 0)], none: [p(100, 0, 0)] }, 'heads')).not.toMatch(/heads only/);
  });
});
