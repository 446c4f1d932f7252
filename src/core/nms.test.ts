// Greedy NMS against a brute-force reference written differently (repeatedly take the best
// remaining box, strike out everything overlapping it), on seeded random boxes with tied scores.
import { describe, expect, it } from 'vitest';
import { boxIou, boxXyxy, type BoxXyxy } from './boxes';
import { nms } from './nms';
import { mulberry32, type Rng } from './rng';

function reference(boxes: BoxXyxy[], scores: number[], thr: number, cap: number): number[] {
  const alive = new Set(boxes.map((_, i) => i));
  const kept: number[] = [];
  while (alive.size > 0 && kept.length < cap) {
    let best = -1;
    for (const i of alive) {
      const si = scores[i] ?? 0;
      const sb = scores[best] ?? -Infinity;
      if (best < 0 || si > sb || (si === sb && i < best)) best = i;
    }
    kept.push(best);
    const b = boxes[best];
    for (const i of [...alive]) {
      const o = boxes[i];
      if (i === best || (b && o && boxIou(b, o) > thr)) alive.delete(i);
    }
  }
  return kept;
}

function randomScene(rng: Rng, n: number): { boxes: BoxXyxy[]; scores: number[] } {
  const boxes = Array.from({ length: n }, () => {
    const x = rng() * 20;
    const y = rng() * 20;
    return boxXyxy(x, y, x + 2 + rng() * 8, y + 2 + rng() * 8);
  });
  // Scores on a coarse grid, so ties are common and tie-breaking is exercised.
  const scores = boxes.map(() => Math.round(rng() * 10) / 10);
  return { boxes, scores };
}

describe('nms', () => {
  it('matches the brute-force reference on random scenes (thresholds, caps, ties)', () => {
    const rng = mulberry32(11);
    for (let t = 0; t < 200; t++) {
      const { boxes, scores } = randomScene(rng, 1 + Math.floor(rng() * 40));
      const thr = [0.3, 0.5, 0.7][t % 3] ?? 0.5;
      const cap = t % 4 === 0 ? 5 : Infinity;
      expect(nms(boxes, scores, { iouThreshold: thr, maxOutput: cap })).toEqual(
        reference(boxes, scores, thr, cap),
      );
    }
  });

  it('keeps the best of duplicates, the lower index on a tie, and disjoint boxes', () => {
    const a = boxXyxy(0, 0, 10, 10);
    const far = boxXyxy(50, 50, 60, 60);
    expect(nms([a, a, far], [0.5, 0.9, 0.1], { iouThreshold: 0.7, maxOutput: 10 })).toEqual([1, 2]);
    expect(nms([a, a], [0.5, 0.5], { iouThreshold: 0.7, maxOutput: 10 })).toEqual([0]);
  });

  it('suppresses strictly above the threshold only', () => {
    const a = boxXyxy(0, 0, 2, 2);
    const b = boxXyxy(1, 0, 3, 2); // IoU exactly 1/3
    expect(nms([a, b], [1, 0.5], { iouThreshold: 1 / 3, maxOutput: 10 })).toEqual([0, 1]);
    expect(nms([a, b], [1, 0.5], { iouThreshold: 0.3, maxOutput: 10 })).toEqual([0]);
  });

  it('handles empty input and rejects mismatched lengths', () => {
    expect(nms([], [], { iouThreshold: 0.5, maxOutput: 10 })).toEqual([]);
    const opts = { iouThreshold: 0.5, maxOutput: 1 };
    expect(() => nms([boxXyxy(0, 0, 1, 1)], [], opts)).toThrow(/one score per box/);
  });
});
