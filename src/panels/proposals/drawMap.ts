// Drawing the embedding map on its canvas: where each point lands (PC1 across, PC2 up) and how
// points, selection and the lasso being drawn look. No React here: it runs from effects and frames.

import { clusterColour } from '../../components/clusterPalette';

const PAD = 14;

/** [P·2] positions of the points in CSS pixels of a canvas of the given size. */
export function layoutPoints(xy: Float32Array, width: number, height: number): Float32Array {
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let p = 0; p < xy.length / 2; p++) {
    const x = xy[2 * p] ?? 0;
    const y = xy[2 * p + 1] ?? 0;
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
  }
  // A flat axis (all points equal) is centred instead of divided by zero.
  const sx = maxX > minX ? (width - 2 * PAD) / (maxX - minX) : 0;
  const sy = maxY > minY ? (height - 2 * PAD) / (maxY - minY) : 0;
  const out = new Float32Array(xy.length);
  for (let p = 0; p < xy.length / 2; p++) {
    out[2 * p] = sx ? PAD + ((xy[2 * p] ?? 0) - minX) * sx : width / 2;
    out[2 * p + 1] = sy ? height - PAD - ((xy[2 * p + 1] ?? 0) - minY) * sy : height / 2;
  }
  return out;
}

export interface MapLook {
  clusters: Int32Array;
  selected: ReadonlySet<number>;
  focusCluster: number | null;
}

/** Sizes a canvas's backing store to its CSS size and returns its context in CSS pixels. */
function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx?.clearRect(0, 0, width, height);
  return ctx;
}

/** Draws every point onto `layer` (an offscreen canvas), so a lasso drag redraws only itself. */
export function drawPoints(layer: HTMLCanvasElement, width: number, height: number, screen: Float32Array, look: MapLook): void {
  const ctx = context(layer, width, height);
  if (!ctx) return;
  const P = screen.length / 2;
  for (let pass = 0; pass < 2; pass++) {
    // Faded points first, so the picked class stays on top.
    for (let p = 0; p < P; p++) {
      const c = look.clusters[p] ?? -1;
      const faded = look.focusCluster !== null && c !== look.focusCluster;
      if (faded !== (pass === 0)) continue;
      ctx.globalAlpha = faded ? 0.18 : 0.9;
      ctx.fillStyle = clusterColour(c);
      ctx.beginPath();
      ctx.arc(screen[2 * p] ?? 0, screen[2 * p + 1] ?? 0, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#1b1f24';
  for (const p of look.selected) {
    const [x, y] = [screen[2 * p] ?? 0, screen[2 * p + 1] ?? 0];
    ctx.fillStyle = clusterColour(look.clusters[p] ?? -1);
    ctx.beginPath();
    ctx.arc(x, y, 4.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/** The visible canvas: the points layer, then the lasso being drawn ([x0, y0, x1, y1, …], CSS px). */
export function compose(canvas: HTMLCanvasElement, layer: HTMLCanvasElement, lasso: readonly number[]): void {
  const [w, h] = [canvas.clientWidth, canvas.clientHeight];
  const ctx = context(canvas, w, h);
  if (!ctx) return;
  if (layer.width > 0 && layer.height > 0) ctx.drawImage(layer, 0, 0, w, h);
  if (lasso.length < 4) return;
  ctx.setLineDash([5, 4]);
  ctx.fillStyle = 'rgba(31, 95, 191, 0.08)';
  ctx.strokeStyle = '#1f5fbf';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(lasso[0] ?? 0, lasso[1] ?? 0);
  for (let i = 2; i < lasso.length; i += 2) ctx.lineTo(lasso[i] ?? 0, lasso[i + 1] ?? 0);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}
