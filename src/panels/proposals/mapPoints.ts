// The points of the embedding map and which proposal each one is. The run's map lists every
// proposal, images in the run's order, proposals in their order within an image. `byImage` was
// built from that same list (Object.fromEntries keeps insertion order for non-index string keys,
// and image ids are 64-digit hashes), so its key order is the run's image order.

import type { ProposalRef, ProposalView } from '../../store/proposalsSlice';

export interface MapPoints {
  /** [P] the proposal behind each point. */
  refs: ProposalRef[];
  /** [P] pseudo-class of each point. */
  clusters: Int32Array;
  /** [P·2] PCA coordinates. */
  xy: Float32Array;
  /** "imageId:index" → point index. */
  indexOf: Map<string, number>;
}

export const refKey = (r: ProposalRef): string => `${r.imageId}:${r.index}`;

/** The map's points, or why they cannot be matched to proposals. */
export function mapPoints(view: ProposalView): MapPoints | string {
  const map = view.result?.map;
  if (!map) return 'No map yet: it is made when a run finishes.';
  const refs: ProposalRef[] = [];
  const clusters: number[] = [];
  for (const [imageId, im] of Object.entries(view.byImage)) {
    for (let index = 0; index < im.scores.length; index++) {
      refs.push({ imageId, index });
      clusters.push(im.clusters[index] ?? -1);
    }
  }
  if (refs.length * 2 !== map.length) {
    return `The map has ${map.length / 2} points but the run has ${refs.length} proposals; run proposals again to redraw it.`;
  }
  return { refs, clusters: Int32Array.from(clusters), xy: map, indexOf: new Map(refs.map((r, i) => [refKey(r), i])) };
}

/** Point-in-polygon by ray casting; poly is [x0, y0, x1, y1, …]. */
export function insidePolygon(x: number, y: number, poly: readonly number[]): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i] ?? 0;
    const yi = poly[2 * i + 1] ?? 0;
    const xj = poly[2 * j] ?? 0;
    const yj = poly[2 * j + 1] ?? 0;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The point of screen ([P·2]) nearest to (x, y) within maxDistance, or null. */
export function nearestPoint(screen: Float32Array, x: number, y: number, maxDistance: number): number | null {
  let best: number | null = null;
  let bestD2 = maxDistance * maxDistance;
  for (let p = 0; p < screen.length / 2; p++) {
    const dx = (screen[2 * p] ?? 0) - x;
    const dy = (screen[2 * p + 1] ?? 0) - y;
    const d2 = dx * dx + dy * dy;
    if (d2 <= bestD2) {
      best = p;
      bestD2 = d2;
    }
  }
  return best;
}
