// A canvas laid over an image that draws its proposals, scaled from the pixels of the cached copy
// to the size the image is shown at, one colour per pseudo-class (grey before clustering).
// It redraws only when its inputs or its size change; hover reports the box under the pointer.

import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import type { ImageProposals } from '../worker/protocol';
import { boxAtPoint, boxOnView, fitTransform, type Fit, type ViewTransform } from './boxTransform';
import { clusterStyle } from './clusterPalette';

/** The box under the pointer (or picked by keyboard) and where its top-left corner is drawn. */
export interface BoxHit {
  index: number;
  left: number;
  top: number;
}

interface Props {
  proposals: ImageProposals;
  /** Size of the cached copy, the pixels the boxes are in. */
  imageWidth: number;
  imageHeight: number;
  /** How the image element fits the picture into its box (its CSS object-fit). */
  fit: Fit;
  /** Proposals to emphasise (e.g. selected on the map). */
  emphasised?: ReadonlySet<number>;
  /** The box shown in a tooltip. */
  active?: number | null;
  /** When set, boxes of other classes fade. */
  focusCluster?: number | null;
  lineWidth?: number;
  /** Solid lines only, for small views where dashes turn into noise. */
  solid?: boolean;
  className?: string;
  testId?: string;
  /** With a label the overlay is focusable, and arrow keys step through the boxes. */
  label?: string;
  onHover?(hit: BoxHit | null): void;
}

const NONE: ReadonlySet<number> = new Set();

export function BoxOverlay(props: Props) {
  const { proposals, imageWidth, imageHeight, fit, emphasised = NONE, active = null, focusCluster = null } = props;
  const { lineWidth = 2, solid = false, label, onHover } = props;
  const ref = useRef<HTMLCanvasElement>(null);
  const lastHit = useRef<number | null>(null);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const draw = () => {
      const t = fitTransform(imageWidth, imageHeight, canvas.clientWidth, canvas.clientHeight, fit);
      drawBoxes(canvas, t, proposals, { emphasised, active, focusCluster, lineWidth, solid });
    };
    const observer = new ResizeObserver(draw);
    observer.observe(canvas);
    return () => observer.disconnect();
  }, [proposals, imageWidth, imageHeight, fit, emphasised, active, focusCluster, lineWidth, solid]);

  const transform = (): ViewTransform | null => {
    const c = ref.current;
    return c && fitTransform(imageWidth, imageHeight, c.clientWidth, c.clientHeight, fit);
  };
  const report = (index: number | null) => {
    if (index === lastHit.current) return;
    lastHit.current = index;
    const t = transform();
    if (index === null || !t) return onHover?.(null);
    const [left, top] = boxOnView(t, proposals.boxes, index);
    onHover?.({ index, left: Math.max(0, left), top: Math.max(0, top) });
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const t = transform();
    const r = e.currentTarget.getBoundingClientRect();
    report(t && boxAtPoint(t, proposals.boxes, e.clientX - r.left, e.clientY - r.top));
  };
  const count = proposals.scores.length;
  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (e.key === 'Escape') report(null);
    if (step === 0 || count === 0) return;
    e.preventDefault();
    report(((lastHit.current ?? (step > 0 ? -1 : 0)) + step + count) % count);
  };

  return (
    <canvas
      ref={ref}
      className={`box-overlay ${props.className ?? ''}`}
      data-testid={props.testId}
      data-boxes={count}
      {...(label
        ? { role: 'img', 'aria-label': label, tabIndex: 0, onKeyDown, onBlur: () => report(null) }
        : { 'aria-hidden': true })}
      {...(onHover ? { onPointerMove, onPointerLeave: () => report(null) } : {})}
    />
  );
}

interface DrawOptions {
  emphasised: ReadonlySet<number>;
  active: number | null;
  focusCluster: number | null;
  lineWidth: number;
  solid: boolean;
}

function drawBoxes(canvas: HTMLCanvasElement, t: ViewTransform, p: ImageProposals, o: DrawOptions): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * dpr);
  canvas.height = Math.round(canvas.clientHeight * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  // Worst score first, so the best boxes end up on top.
  for (let i = p.scores.length - 1; i >= 0; i--) {
    const cluster = p.clusters[i] ?? -1;
    const [x, y, w, h] = boxOnView(t, p.boxes, i);
    const strong = i === o.active || o.emphasised.has(i);
    const width = strong ? o.lineWidth * 2 : o.lineWidth;
    const { colour, dash } = clusterStyle(cluster);
    ctx.globalAlpha = o.focusCluster !== null && cluster !== o.focusCluster && !strong ? 0.25 : 1;
    // A dark halo keeps light colours visible on bright photos.
    ctx.setLineDash([]);
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
    ctx.lineWidth = width + (o.solid ? 1 : 2);
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash(o.solid ? [] : dash.map((d) => d * (width / 2)));
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.strokeRect(x, y, w, h);
  }
}
