// The metrics log: bounded with the oldest steps dropped, cut back to a step, and written to
// metrics.jsonl and read back equal; a bad line is refused with its number and field.
import { describe, expect, it } from 'vitest';
import { appendMetrics, metricsToJsonl, metricsUpTo, parseMetricsJsonl } from './metricsLog';
import type { StepReport } from './protocol';

const report = (step: number): StepReport => ({
  step, round: step > 3 ? 1 : 0, loss: 4 / step, class: 1 / step, l1: 0.1 * step, giou: 0.3, lr: 1e-4 * step, gradNorm: 0.05, stepMs: 812.5, matchMs: 91.25,
});

describe('metrics log', () => {
  it('keeps the newest steps up to its cap, and never changes the log it was given', () => {
    const log = appendMetrics([], [1, 2, 3].map(report), 4);
    const more = appendMetrics(log, [4, 5].map(report), 4);
    expect(log.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(more.map((m) => m.step)).toEqual([2, 3, 4, 5]);
    expect(metricsUpTo(more, 3).map((m) => m.step)).toEqual([2, 3]);
  });

  it('writes one JSON object per step and reads it back equal', () => {
    const log = [1, 2, 3, 4].map(report);
    const text = metricsToJsonl(log);
    expect(text.split('\n')).toHaveLength(5);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text.split('\n')[3]!)).toEqual({
      step: 4, round: 1, loss: 1, loss_class: 0.25, loss_l1: 0.4, loss_giou: 0.3, lr: 1e-4 * 4, grad_norm: 0.05, step_ms: 812.5, match_ms: 91.25,
    });
    expect(parseMetricsJsonl(text)).toEqual(log);
    expect(parseMetricsJsonl('')).toEqual([]);
  });

  it('names the line and the field that are wrong', () => {
    const good = metricsToJsonl([report(1)]);
    expect(() => parseMetricsJsonl(`${good}{"step":2,`)).toThrow(/^metrics\.jsonl: line 2: expected JSON/);
    expect(() => parseMetricsJsonl(good.replace('"loss":4', '"loss":"4"'))).toThrow(/^metrics\.jsonl: line 1: loss: /);
    expect(() => parseMetricsJsonl(good.replace('"step":1', '"step":0'))).toThrow(/line 1: step: /);
  });
});
