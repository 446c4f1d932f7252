// How many targets each round trains on, and a note when a self-training round has far fewer than
// the proposals of round 0: an undertrained detector's class probabilities, spread over K
// pseudo-classes, seldom reach the threshold, and the round then learns mostly "no object".

import type { ImageDetections } from '../../worker/protocol';

export interface RoundCount {
  round: number;
  images: number;
  boxes: number;
  /** Images with no target in this round. */
  empty: number;
}

/** A later round with less than this share of round 0's targets gets a note. */
export const THIN_ROUND_SHARE = 0.25;

/** Targets per round, rounds in order. */
export function roundCounts(roundTargets: Record<number, Record<string, ImageDetections>>): RoundCount[] {
  return Object.entries(roundTargets)
    .map(([round, byImage]) => {
      const counts = Object.values(byImage).map((d) => d.scores.length);
      return { round: Number(round), images: counts.length, boxes: counts.reduce((a, b) => a + b, 0), empty: counts.filter((n) => n === 0).length };
    })
    .sort((a, b) => a.round - b.round);
}

export const perImage = (c: RoundCount): number => (c.images === 0 ? 0 : c.boxes / c.images);

/** What to say when the newest self-training round has under THIN_ROUND_SHARE of round 0's targets. */
export function thinRoundNote(counts: readonly RoundCount[]): string | null {
  const first = counts.find((c) => c.round === 0);
  const last = counts.at(-1);
  if (!first || !last || last.round === 0 || first.boxes === 0) return null;
  if (perImage(last) >= THIN_ROUND_SHARE * perImage(first)) return null;
  return `Round ${last.round} trains on ${last.boxes} ${last.boxes === 1 ? 'box' : 'boxes'}, ${perImage(last).toFixed(1)} per image against ${perImage(first).toFixed(1)} in round 0, ` +
    `and ${last.empty} of ${last.images} images have none: few predictions reached the self-training threshold. ` +
    'Train round 0 longer, or lower the threshold.';
}
