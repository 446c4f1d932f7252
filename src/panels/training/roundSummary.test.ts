import { describe, expect, it } from 'vitest';
import type { ImageDetections } from '../../worker/protocol';
import { roundCounts, thinRoundNote } from './roundSummary';

const image = (imageId: string, n: number): ImageDetections => ({
  imageId, boxes: new Float32Array(4 * n), scores: new Float32Array(n), classes: new Int32Array(n),
});
const round = (...ns: number[]) => Object.fromEntries(ns.map((n, i) => [`im${i}`, image(`im${i}`, n)]));

describe('roundCounts', () => {
  it('counts boxes and empty images per round, rounds in order', () => {
    expect(roundCounts({ 1: round(0, 2, 0), 0: round(20, 30, 10) })).toEqual([
      { round: 0, images: 3, boxes: 60, empty: 0 },
      { round: 1, images: 3, boxes: 2, empty: 2 },
    ]);
    expect(roundCounts({})).toEqual([]);
  });
});

describe('thinRoundNote', () => {
  it('speaks when a self-training round has under a quarter of round 0 per image', () => {
    const counts = roundCounts({ 0: round(20, 30, 10), 1: round(0, 2, 0) });
    expect(thinRoundNote(counts)).toBe(
      'Round 1 trains on 2 boxes, 0.7 per image against 20.0 in round 0, and 2 of 3 images have none: ' +
        'few predictions reached the self-training threshold. Train round 0 longer, or lower the threshold.',
    );
  });

  it('stays quiet at a quarter or more, before round 1, and when round 0 had nothing', () => {
    expect(thinRoundNote(roundCounts({ 0: round(20, 20), 1: round(5, 5) }))).toBeNull();
    expect(thinRoundNote(roundCounts({ 0: round(20, 20) }))).toBeNull();
    expect(thinRoundNote(roundCounts({ 0: round(0, 0), 1: round(0, 0) }))).toBeNull();
    expect(thinRoundNote([])).toBeNull();
  });

  it('judges the newest round', () => {
    const counts = roundCounts({ 0: round(20, 20), 1: round(10, 10), 2: round(1, 0) });
    expect(thinRoundNote(counts)).toMatch(/^Round 2 trains on 1 box, 0\.5 per image against 20\.0 in round 0, and 1 of 2 images have none/);
  });
});
