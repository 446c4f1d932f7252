// Where a box given in the pixels of an image lands on an element that shows that image, for the
// ways CSS can fit an image into a box (object-fit: fill, contain, cover), and back.

export type Fit = 'fill' | 'contain' | 'cover';

/** view = image · scale + offset, per axis, in CSS pixels of the element. */
export interface ViewTransform {
  sx: number;
  sy: number;
  dx: number;
  dy: number;
}

export function fitTransform(imageW: number, imageH: number, viewW: number, viewH: number, fit: Fit): ViewTransform {
  if (imageW <= 0 || imageH <= 0) return { sx: 0, sy: 0, dx: 0, dy: 0 };
  if (fit === 'fill') return { sx: viewW / imageW, sy: viewH / imageH, dx: 0, dy: 0 };
  const ratios = [viewW / imageW, viewH / imageH] as const;
  const s = fit === 'cover' ? Math.max(...ratios) : Math.min(...ratios);
  return { sx: s, sy: s, dx: (viewW - imageW * s) / 2, dy: (viewH - imageH * s) / 2 };
}

/** Box p of boxes ([P·4] x1, y1, x2, y2 in image pixels) on the element: [left, top, width, height]. */
export function boxOnView(t: ViewTransform, boxes: Float32Array, p: number): [number, number, number, number] {
  const x1 = boxes[p * 4] ?? 0;
  const y1 = boxes[p * 4 + 1] ?? 0;
  const x2 = boxes[p * 4 + 2] ?? 0;
  const y2 = boxes[p * 4 + 3] ?? 0;
  return [x1 * t.sx + t.dx, y1 * t.sy + t.dy, (x2 - x1) * t.sx, (y2 - y1) * t.sy];
}

/**
 * The box under a point of the element, or null. Where boxes nest, the smallest one wins, so
 * every box can be pointed at even when a larger one contains it.
 */
export function boxAtPoint(t: ViewTransform, boxes: Float32Array, x: number, y: number): number | null {
  let best: number | null = null;
  let bestArea = Infinity;
  for (let p = 0; p < boxes.length / 4; p++) {
    const [left, top, w, h] = boxOnView(t, boxes, p);
    if (x < left || x > left + w || y < top || y > top + h) continue;
    if (w * h < bestArea) {
      best = p;
      bestArea = w * h;
    }
  }
  return best;
}
