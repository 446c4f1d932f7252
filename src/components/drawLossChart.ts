// Paints the loss chart onto a canvas from the loss ring buffer: each loss term raw (faint) and
// EMA-smoothed, the learning rate dashed on a right-hand axis, and a dashed line where each
// self-training round begins. Called from an animation frame only when the buffer changed, so it
// may allocate nothing per call: every array comes from ChartBuffers.

import type { LossField, LossSeries } from '../store/lossSeries';
import { emaSmooth, extentOf, formatTick, gather, linearTicks, logTicks, strideFor, toPixel, type Domain } from './lossChartMath';

export interface ChartLine {
  field: LossField;
  label: string;
  colour: string;
}

// Each colour has ≥ 4.5:1 contrast on white, so the lines read as well as the labels next to them.
export const LOSS_LINES: readonly ChartLine[] = [
  { field: 'loss', label: 'Total loss', colour: '#1b1f24' },
  { field: 'class', label: 'Class (cross-entropy)', colour: '#1f5fbf' },
  { field: 'l1', label: 'L1 box', colour: '#b45309' },
  { field: 'giou', label: 'GIoU', colour: '#15803d' },
];
export const LR_LINE: ChartLine = { field: 'lr', label: 'Learning rate (right axis)', colour: '#7e22ce' };

export interface ChartLook {
  /** EMA weight in [0, 1); 0 draws the raw values only. */
  smoothing: number;
  log: boolean;
  /** Where the rounds change (steps are counted across rounds). */
  stepsPerRound: number;
}

/** Arrays kept between draws and grown only when the series outgrows them. */
export class ChartBuffers {
  private readonly arrays = new Map<string, Float64Array>();

  get(name: string, n: number): Float64Array {
    let a = this.arrays.get(name);
    if (!a || a.length < n) {
      a = new Float64Array(Math.max(n, 2 * (a?.length ?? 128)));
      this.arrays.set(name, a);
    }
    return a.subarray(0, n);
  }
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const MARGIN = { left: 52, right: 62, top: 14, bottom: 30 };
const AXIS_TEXT = '#4a5360';
const GRID = '#e3e7ec';

/** Draws the chart at the canvas's CSS size; returns the number of steps it shows. */
export function drawLossChart(canvas: HTMLCanvasElement, series: LossSeries, look: ChartLook, bufs: ChartBuffers): number {
  const n = series.length;
  const dpr = window.devicePixelRatio || 1;
  const [w, h] = [canvas.clientWidth, canvas.clientHeight];
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  // A hidden tab has no size; the chart is drawn again when its ResizeObserver sees one.
  if (!ctx || w === 0 || h === 0) return n;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = '12px system-ui, sans-serif';
  const plot: Plot = { left: MARGIN.left, right: w - MARGIN.right, top: MARGIN.top, bottom: h - MARGIN.bottom };
  if (n === 0) {
    ctx.fillStyle = AXIS_TEXT;
    ctx.textAlign = 'center';
    ctx.fillText('No training steps yet', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
    return 0;
  }

  const steps = gather(series, 'step', bufs.get('step', n));
  const raw = LOSS_LINES.map((l) => gather(series, l.field, bufs.get(l.field, n)));
  const smooth = raw.map((values, i) => emaSmooth(values, look.smoothing, bufs.get(`ema-${i}`, n)));
  const lr = gather(series, 'lr', bufs.get('lr', n));
  const xAxis = linearTicks(steps[0] ?? 0, steps[n - 1] ?? 1, 6);
  // Smoothed lines count too: on a log scale they can sink below every raw value (a term that became 0).
  const [lo, hi] = extentOf(look.smoothing > 0 ? [...raw, ...smooth] : raw, look.log) ?? [0.1, 1];
  const yAxis = look.log ? logTicks(lo, hi) : linearTicks(Math.min(0, lo), hi, 5);
  const lrAxis = linearTicks(0, extentOf([lr], false)?.[1] ?? 1e-4, 4);

  drawAxes(ctx, plot, xAxis.domain, xAxis.ticks.filter(Number.isInteger), yAxis, lrAxis);
  drawRounds(ctx, plot, xAxis.domain, look.stepsPerRound);

  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top - 2, plot.right - plot.left, plot.bottom - plot.top + 4);
  ctx.clip();
  const stride = strideFor(n, plot.right - plot.left);
  const line = (ys: Float64Array, d: Domain, colour: string, width: number, alpha: number, dash: number[] = []) => {
    ctx.globalAlpha = alpha;
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dash);
    polyline(ctx, steps, ys, xAxis.domain, d, plot, stride);
  };
  LOSS_LINES.forEach((l, i) => {
    const [values, smoothed] = [raw[i], smooth[i]];
    if (!values || !smoothed) return;
    if (look.smoothing > 0) {
      line(values, yAxis.domain, l.colour, 1, 0.25);
      line(smoothed, yAxis.domain, l.colour, 2, 1);
    } else {
      line(values, yAxis.domain, l.colour, 1.5, 1);
    }
  });
  line(lr, lrAxis.domain, LR_LINE.colour, 1.5, 1, [6, 4]);
  ctx.restore();
  return n;
}

/** One line through the points (every `stride`-th and the last); a lone point becomes a dot. */
function polyline(ctx: CanvasRenderingContext2D, xs: Float64Array, ys: Float64Array, xd: Domain, yd: Domain, p: Plot, stride: number) {
  const n = xs.length;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; ; i = Math.min(i + stride, n - 1)) {
    const x = toPixel(xs[i] ?? NaN, xd, p.left, p.right);
    const y = toPixel(ys[i] ?? NaN, yd, p.bottom, p.top);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      pen = false;
    } else if (n === 1) {
      ctx.arc(x, y, 2.5, 0, 2 * Math.PI);
    } else {
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    if (i >= n - 1) break;
  }
  if (n === 1) ctx.fill();
  else ctx.stroke();
}

function drawAxes(ctx: CanvasRenderingContext2D, p: Plot, xd: Domain, xTicks: number[], y: { domain: Domain; ticks: number[] }, lr: { domain: Domain; ticks: number[] }) {
  ctx.lineWidth = 1;
  ctx.fillStyle = AXIS_TEXT;
  ctx.textBaseline = 'middle';
  for (const t of y.ticks) {
    const py = Math.round(toPixel(t, y.domain, p.bottom, p.top)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(p.left, py);
    ctx.lineTo(p.right, py);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(formatTick(t), p.left - 6, py);
  }
  ctx.textAlign = 'left';
  for (const t of lr.ticks) ctx.fillText(t === 0 ? '0' : t.toExponential(1), p.right + 6, toPixel(t, lr.domain, p.bottom, p.top));
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  for (const t of xTicks) ctx.fillText(String(t), toPixel(t, xd, p.left, p.right), p.bottom + 6);
  ctx.textAlign = 'right';
  ctx.fillText('step', p.right, p.bottom + 18);
  ctx.strokeStyle = AXIS_TEXT;
  ctx.strokeRect(p.left + 0.5, p.top + 0.5, p.right - p.left, p.bottom - p.top);
}

function drawRounds(ctx: CanvasRenderingContext2D, p: Plot, xd: Domain, stepsPerRound: number) {
  if (stepsPerRound <= 0) return;
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = AXIS_TEXT;
  ctx.fillStyle = AXIS_TEXT;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  // Round r starts after step r · stepsPerRound (steps count from 1 across rounds).
  for (let r = 1; r * stepsPerRound < xd.max; r++) {
    const x = Math.round(toPixel(r * stepsPerRound + 0.5, xd, p.left, p.right)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, p.top);
    ctx.lineTo(x, p.bottom);
    ctx.stroke();
    ctx.fillText(`self-training ${r}`, x + 4, p.top + 4);
  }
  ctx.setLineDash([]);
}
