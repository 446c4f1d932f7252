// The loss chart's math, kept free of the DOM so Node tests can pin it down: EMA smoothing,
// axis domains and ticks on linear and log scales, value → pixel, and the summary a screen reader
// hears. Smoothing is TensorBoard's debiased EMA, so the first points are not dragged towards 0.

import type { LossField, LossSeries } from '../store/lossSeries';

export interface Domain {
  min: number;
  max: number;
  log: boolean;
}

/**
 * Debiased exponential moving average with weight w in [0, 1) (0 = raw values). Non-finite values
 * are skipped: they keep the previous smoothed value instead of poisoning every later one.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number, out: Float64Array = new Float64Array(values.length)): Float64Array {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (Number.isFinite(v)) {
      acc = acc * w + (1 - w) * v;
      n += 1;
    }
    out[i] = n === 0 ? NaN : acc / (1 - w ** n);
  }
  return out;
}

/** The ring buffer's field in step order, into `out` when it is large enough (charts reuse buffers). */
export function gather(series: LossSeries, field: LossField | 'step', out?: Float64Array): Float64Array {
  const n = series.length;
  const dest = out && out.length >= n ? out.subarray(0, n) : new Float64Array(n);
  const src = field === 'step' ? series.steps : series.values[field];
  for (let j = 0; j < n; j++) dest[j] = src[series.at(j)] ?? NaN;
  return dest;
}

/** Smallest and largest drawable value over several arrays (on a log scale only positive ones count). */
export function extentOf(arrays: readonly ArrayLike<number>[], log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] ?? NaN;
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi]; the domain is widened to the outer ticks. */
export function linearTicks(lo: number, hi: number, target = 5): { domain: Domain; ticks: number[] } {
  if (hi - lo < 1e-12) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const raw = (hi - lo) / Math.max(target, 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Rounding to the step's precision keeps 0.30000000000000004 out of the labels.
  for (let v = min; v <= max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { domain: { min, max, log: false }, ticks };
}

/**
 * A log domain a little wider than [lo, hi] (lo > 0), with ticks at 1 × 10^k, plus 2 and 5 × 10^k
 * within a few decades, and every integer mantissa within one decade, so a narrow range keeps labels.
 */
export function logTicks(lo: number, hi: number): { domain: Domain; ticks: number[] } {
  const min = lo / 1.15;
  const max = Math.max(hi * 1.15, min * 2);
  const decades = Math.log10(max / min);
  const mantissas = decades < 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades <= 2.5 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return { domain: { min, max, log: true }, ticks };
}

/** Value → pixel between `from` (domain min) and `to` (domain max); NaN where it cannot be drawn. */
export function toPixel(v: number, d: Domain, from: number, to: number): number {
  if (!Number.isFinite(v) || (d.log && v <= 0)) return NaN;
  const t = d.log ? (Math.log10(v) - Math.log10(d.min)) / (Math.log10(d.max) - Math.log10(d.min)) : (v - d.min) / (d.max - d.min);
  return from + t * (to - from);
}

/** Every how many points to draw so a line has at most about two points per pixel column. */
export function strideFor(points: number, widthPx: number): number {
  return Math.max(1, Math.floor(points / Math.max(2 * widthPx, 1)));
}

/** Short tick text: 3 significant digits, exponent form outside [0.01, 10 000). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 0.01 || a >= 10_000 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(3)));
}

export interface LatestPoint {
  step: number;
  loss: number;
  class: number;
  l1: number;
  giou: number;
  lr: number;
}

export function latestPoint(series: LossSeries): LatestPoint | null {
  if (series.length === 0) return null;
  const i = series.at(series.length - 1);
  const v = (f: LossField) => series.values[f][i] ?? NaN;
  return { step: series.steps[i] ?? 0, loss: v('loss'), class: v('class'), l1: v('l1'), giou: v('giou'), lr: v('lr') };
}

/** What the chart says to a screen reader: the latest values, since the curve itself cannot be read. */
export function chartSummary(p: LatestPoint | null, points: number): string {
  if (!p) return 'Loss chart: no training steps yet';
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'not finite');
  return (
    `Loss chart, ${points} ${points === 1 ? 'step' : 'steps'}. At step ${p.step}: total loss ${f(p.loss)}, ` +
    `class ${f(p.class)}, L1 ${f(p.l1)}, GIoU ${f(p.giou)}, learning rate ${p.lr.toExponential(2)}`
  );
}
