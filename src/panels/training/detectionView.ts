// Detections (a round's targets, the detector's predictions) as the box overlay draws them, and the
// words a box's tooltip uses. The overlay takes proposals; a detection's class is its cluster.

import type { ImageDetections, ImageProposals } from '../../worker/protocol';

export type ShowMode = 'pseudo' | 'predictions';

export function asOverlayBoxes(d: ImageDetections): ImageProposals {
  return { imageId: d.imageId, boxes: d.boxes, scores: d.scores, clusters: d.classes };
}

/** The newest round whose targets arrived, or null before the first. */
export function latestRound(roundTargets: Record<number, unknown>): number | null {
  const rounds = Object.keys(roundTargets).map(Number);
  return rounds.length > 0 ? Math.max(...rounds) : null;
}

/** "class 5", with the score for predictions (targets carry no score of their own). */
export function describeDetection(d: ImageDetections, index: number, withScore: boolean): string | null {
  const cls = d.classes[index];
  const score = d.scores[index];
  if (cls === undefined || score === undefined) return null;
  return withScore ? `score ${score.toFixed(2)} · class ${cls}` : `class ${cls}`;
}

export function roundName(round: number): string {
  return round === 0 ? `Round 0 (proposals)` : `Round ${round} (self-training)`;
}
