// The embedding map's canvas: points drawn in effects and animation frames (never one element per
// point), a click picks the nearest point, a drag draws a lasso that picks the points inside it.

import { useCallback, useEffect, useRef, type PointerEvent } from 'react';
import { compose, drawPoints, layoutPoints } from './drawMap';
import { insidePolygon, nearestPoint, type MapPoints } from './mapPoints';

interface Props {
  points: MapPoints;
  selected: ReadonlySet<number>;
  focusCluster: number | null;
  label: string;
  /** Points picked by a click (at most one) or a lasso (any number, possibly none). */
  onPick(points: number[], byClick: boolean): void;
}

/** A press that moves less than this (CSS px) is a click, not a lasso. */
const CLICK_SLOP = 4;
const CLICK_REACH = 8;

export function MapCanvas({ points, selected, focusCluster, label, onPick }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const screen = useRef<Float32Array>(new Float32Array(0));
  const lasso = useRef<number[]>([]);
  const frame = useRef(0);
  const layer = useRef<HTMLCanvasElement | null>(null);

  const redrawLasso = useCallback(() => {
    const canvas = canvasRef.current;
    if (canvas && layer.current) compose(canvas, layer.current, lasso.current);
  }, []);
  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    layer.current ??= document.createElement('canvas');
    const look = { clusters: points.clusters, selected, focusCluster };
    drawPoints(layer.current, canvas.clientWidth, canvas.clientHeight, screen.current, look);
    redrawLasso();
  }, [points, selected, focusCluster, redrawLasso]);

  const drawLatest = useRef(draw);
  useEffect(() => {
    drawLatest.current = draw;
    draw();
  }, [draw]);

  // Layout follows the canvas size (0 × 0 while its tab is hidden) and the points.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const observer = new ResizeObserver(() => {
      screen.current = layoutPoints(points.xy, canvas.clientWidth, canvas.clientHeight);
      drawLatest.current();
    });
    observer.observe(canvas);
    return () => observer.disconnect();
  }, [points]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const at = (e: PointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    lasso.current = at(e);
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    if (lasso.current.length === 0) return;
    lasso.current.push(...at(e));
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(redrawLasso);
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    const path = lasso.current;
    if (path.length === 0) return;
    lasso.current = [];
    const [x0 = 0, y0 = 0] = path;
    const spread = path.reduce((m, v, i) => Math.max(m, Math.abs(v - (i % 2 ? y0 : x0))), 0);
    if (spread < CLICK_SLOP) {
      const hit = nearestPoint(screen.current, ...at(e), CLICK_REACH);
      onPick(hit === null ? [] : [hit], true);
    } else {
      const inside: number[] = [];
      const s = screen.current;
      for (let p = 0; p < s.length / 2; p++) if (insidePolygon(s[2 * p] ?? 0, s[2 * p + 1] ?? 0, path)) inside.push(p);
      onPick(inside, false);
    }
    redrawLasso();
  };

  return (
    <canvas
      ref={canvasRef}
      className="map-canvas"
      data-testid="embedding-map"
      data-points={points.refs.length}
      role="img"
      aria-label={label}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => {
        lasso.current = [];
        redrawLasso();
      }}
    />
  );
}
