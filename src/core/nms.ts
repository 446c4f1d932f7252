// Greedy non-maximum suppression on plain arrays, for proposals (stage 1) and the detector's
// predictions (stage 4). Plain JS on purpose: proposal counts are small (tens to hundreds per image)
// and tfjs's synchronous NMS must not be used on WebGPU (DESIGN §4).
//
// Dimensions: P boxes in, at most maxOutput indices out.
import { boxIou, type BoxXyxy } from './boxes';

export interface NmsOptions {
  /** A box is dropped when its IoU with an already kept box is strictly greater than this. */
  iouThreshold: number;
  /** At most this many boxes are kept; Infinity for no cap. */
  maxOutput: number;
}

/**
 * Indices of the kept boxes, highest score first. Ties in score keep the lower index first, so the
 * result depends only on the inputs, never on the sort implementation.
 */
export function nms(
  boxes: readonly BoxXyxy[],
  scores: readonly number[],
  { iouThreshold, maxOutput }: NmsOptions,
): number[] {
  if (boxes.length !== scores.length) {
    throw new Error(`nms: expected one score per box, got ${boxes.length} boxes and ${scores.length} scores`);
  }
  if (scores.some((s) => Number.isNaN(s))) throw new Error('nms: expected finite scores, got NaN');
  const order = boxes.map((_, i) => i);
  order.sort((i, j) => (scores[j] ?? 0) - (scores[i] ?? 0) || i - j);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    const box = boxes[i];
    if (box === undefined) continue;
    const suppressed = kept.some((j) => {
      const other = boxes[j];
      return other !== undefined && boxIou(box, other) > iouThreshold;
    });
    if (!suppressed) kept.push(i);
  }
  return kept;
}
