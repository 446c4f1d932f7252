import { describe, expect, it } from 'vitest';
import { LossSeries } from '../store/lossSeries';
import {
  chartSummary, emaSmooth, extentOf, formatTick, gather, latestPoint, linearTicks, logTicks, strideFor, toPixel,
} from './lossChartMath';

const point = (loss: number) => ({ loss, class: loss / 2, l1: loss / 4, giou: loss / 8, lr: 1e-4, stepMs: 10 });

describe('emaSmooth', () => {
  it('returns the raw values at weight 0', () => {
    expect([...emaSmooth([3, 1, 4, 1, 5], 0)]).toEqual([3, 1, 4, 1, 5]);
  });

  it('keeps a constant series constant from the first point (debiased)', () => {
    for (const v of emaSmooth([2, 2, 2, 2], 0.9)) expect(v).toBeCloseTo(2, 12);
  });

  it('moves towards a step change, more slowly with more weight', () => {
    const values = [0, 0, 0, 1, 1, 1];
    const light = emaSmooth(values, 0.3);
    const heavy = emaSmooth(values, 0.9);
    expect(light[5]).toBeGreaterThan(heavy[5] ?? Infinity);
    for (let i = 1; i < values.length; i++) expect(heavy[i]).toBeGreaterThanOrEqual(heavy[i - 1] ?? Infinity);
  });

  it('skips non-finite values instead of spreading them', () => {
    const out = emaSmooth([NaN, 1, Infinity, 1], 0.5);
    expect(out[0]).toBeNaN();
    expect([out[1], out[2], out[3]]).toEqual([1, 1, 1]);
  });
});

describe('gather and latestPoint', () => {
  it('reads a wrapped ring buffer in step order', () => {
    const s = new LossSeries(3);
    for (let step = 1; step <= 5; step++) s.push(step, point(step));
    expect([...gather(s, 'step')]).toEqual([3, 4, 5]);
    expect([...gather(s, 'loss')]).toEqual([3, 4, 5]);
    expect(latestPoint(s)).toMatchObject({ step: 5, loss: 5, class: 2.5 });
  });

  it('reuses a large enough buffer', () => {
    const s = new LossSeries(4);
    s.push(1, point(1));
    const buf = new Float64Array(4);
    expect(gather(s, 'l1', buf).buffer).toBe(buf.buffer);
  });
});

describe('axes', () => {
  it('finds the extent, ignoring non-positive values on a log scale', () => {
    expect(extentOf([[3, -1, NaN], [7]], false)).toEqual([-1, 7]);
    expect(extentOf([[3, -1, 0], [7]], true)).toEqual([3, 7]);
    expect(extentOf([[NaN]], false)).toBeNull();
  });

  it('puts linear ticks on round numbers that cover the data', () => {
    const { domain, ticks } = linearTicks(0.37, 3.2);
    expect(domain.min).toBeLessThanOrEqual(0.37);
    expect(domain.max).toBeGreaterThanOrEqual(3.2);
    expect(ticks[0]).toBe(domain.min);
    expect(ticks.at(-1)).toBe(domain.max);
    const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
    expect([1, 2, 5]).toContain(Math.round(step / 10 ** Math.floor(Math.log10(step))));
    for (let i = 1; i < ticks.length; i++) expect((ticks[i] ?? 0) - (ticks[i - 1] ?? 0)).toBeCloseTo(step, 9);
  });

  it('widens a flat series so it still has a height', () => {
    const { domain } = linearTicks(2, 2);
    expect(domain.max).toBeGreaterThan(domain.min);
  });

  it('puts log ticks on 1, 2, 5 × 10^k inside the domain', () => {
    const { domain, ticks } = logTicks(0.03, 4);
    expect(domain.log).toBe(true);
    expect(ticks).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    for (const t of ticks) expect(t >= domain.min && t <= domain.max).toBe(true);
  });

  it('maps the domain ends to the pixel ends, monotonically', () => {
    const lin = { min: 0, max: 10, log: false };
    expect(toPixel(0, lin, 200, 0)).toBe(200);
    expect(toPixel(10, lin, 200, 0)).toBe(0);
    const log = { min: 0.01, max: 100, log: true };
    expect(toPixel(1, log, 0, 100)).toBeCloseTo(50, 9);
    expect(toPixel(0, log, 0, 100)).toBeNaN();
  });

  it('draws at most about two points per pixel column', () => {
    expect(strideFor(100, 400)).toBe(1);
    expect(strideFor(20_000, 500)).toBe(20);
  });

  it('formats ticks briefly', () => {
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(0.0001)).toBe('1e-4');
    expect(formatTick(0)).toBe('0');
  });
});

describe('chartSummary', () => {
  it('names the latest values for a screen reader', () => {
    const s = new LossSeries(8);
    s.push(1, point(2));
    s.push(2, point(1.5));
    expect(chartSummary(latestPoint(s), s.length)).toBe(
      'Loss chart, 2 steps. At step 2: total loss 1.5000, class 0.7500, L1 0.3750, GIoU 0.1875, learning rate 1.00e-4',
    );
    expect(chartSummary(null, 0)).toMatch(/no training steps/);
  });
});
