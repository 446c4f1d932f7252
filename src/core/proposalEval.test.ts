// Proposal metrics on cases small enough to work out by hand, and the baselines' invariants:
// deterministic for a seed, inside the image, the requested count.
import { describe, expect, it } from 'vitest';
import { boxXyxy, type BoxXyxy } from './boxes';
import {
  averagePrecision,
  corLoc,
  DEFAULT_GRID,
  gridBoxes,
  matchByScore,
  recallAtK,
  randomBoxes,
  type EvalImage,
  type ScoredBox,
} from './proposalEval';

/** A unit-free 10×10 box at (x, y). */
const sq = (x: number, y: number): BoxXyxy => boxXyxy(x, y, x + 10, y + 10);
const det = (box: BoxXyxy, score: number): ScoredBox => ({ box, score });
const MISS = sq(500, 500);
/** IoU with sq(0, 0) is 80/120 = 0.67: a hit, but worse than an exact box. */
const NEAR = sq(2, 0);

describe('recall@k', () => {
  it('ranks by score, keeps input order among ties, and cuts at k', () => {
    // Order: c (0.9, miss), then the tied a (miss) before b (hit).
    const images: EvalImage[] = [{ gts: [sq(0, 0)], dets: [det(MISS, 0.5), det(sq(0, 0), 0.5), det(MISS, 0.9)] }];
    expect(recallAtK(images, 0)).toBe(0);
    expect(recallAtK(images, 1)).toBe(0);
    expect(recallAtK(images, 2)).toBe(0);
    expect(recallAtK(images, 3)).toBe(1);
    expect(recallAtK(images, 100)).toBe(1);
  });

  it('pools GT boxes over images, and one box may recall two near-identical GTs', () => {
    const images: EvalImage[] = [
      { gts: [sq(0, 0), sq(1, 0), sq(100, 100)], dets: [det(sq(0, 0), 1)] }, // IoU(sq(0,0), sq(1,0)) = 90/110
      { gts: [sq(0, 0)], dets: [] },
    ];
    expect(recallAtK(images, 10)).toBe(2 / 4);
  });

  it('counts IoU exactly 0.5 as a hit and is NaN without GT boxes', () => {
    // [0,0,10,10] vs [0,0,20,10]: intersection 100, union 200.
    expect(recallAtK([{ gts: [sq(0, 0)], dets: [det(boxXyxy(0, 0, 20, 10), 1)] }], 1)).toBe(1);
    expect(recallAtK([{ gts: [], dets: [det(MISS, 1)] }], 1)).toBeNaN();
  });
});

describe('CorLoc', () => {
  it('looks at the top-1 proposal only and skips images without GT', () => {
    const images: EvalImage[] = [
      { gts: [sq(0, 0), sq(50, 50)], dets: [det(MISS, 0.1), det(sq(50, 50), 0.8)] }, // top-1 hits
      { gts: [sq(0, 0)], dets: [det(MISS, 0.9), det(sq(0, 0), 0.8)] }, // second would hit
      { gts: [sq(0, 0)], dets: [det(sq(0, 0), 0.7), det(MISS, 0.7)] }, // tie: the first listed is top-1
      { gts: [sq(0, 0)], dets: [] }, // nothing proposed
      { gts: [], dets: [det(MISS, 1)] }, // not counted
    ];
    expect(corLoc(images)).toBe(2 / 4);
    expect(corLoc([{ gts: [], dets: [] }])).toBeNaN();
  });
});

describe('AP50', () => {
  it('matches the hand-computed 101-point AP of 3 GT and 5 detections', () => {
    // GT: g1 = sq(0,0), g2 = sq(50,50) in image A; g3 = sq(0,0) in image B. In score order:
    //   0.9 A g1 TP  → P 1/1,  R 1/3
    //   0.8 A g1 dup FP → P 1/2, R 1/3
    //   0.7 B g3 TP  → P 2/3,  R 2/3
    //   0.6 B miss FP → P 2/4, R 2/3
    //   0.5 A g2 TP  → P 3/5,  R 3/3
    // Envelope (best precision at recall ≥ r): 1 for r ≤ 1/3 (r = 0.00…0.33, 34 points),
    // 2/3 for 1/3 < r ≤ 2/3 (0.34…0.66, 33 points), 3/5 for r > 2/3 (0.67…1.00, 34 points).
    // AP = (34·1 + 33·2/3 + 34·3/5) / 101 = (34 + 22 + 20.4) / 101 = 76.4 / 101.
    const images: EvalImage[] = [
      { gts: [sq(0, 0), sq(50, 50)], dets: [det(sq(0, 0), 0.9), det(NEAR, 0.8), det(sq(50, 50), 0.5)] },
      { gts: [sq(0, 0)], dets: [det(sq(0, 0), 0.7), det(MISS, 0.6)] },
    ];
    expect(matchByScore(images).tp).toEqual([true, false, true, false, true]);
    expect(averagePrecision(images)).toBeCloseTo(76.4 / 101, 12);
  });

  it('counts a duplicate above another true positive as a false positive', () => {
    // TP (R 1/2, P 1), dup FP (P 1/2), TP (R 1, P 2/3): 51 points at 1, 50 at 2/3.
    const images: EvalImage[] = [{ gts: [sq(0, 0), sq(50, 50)], dets: [det(sq(0, 0), 0.9), det(sq(0, 0), 0.8), det(sq(50, 50), 0.7)] }];
    expect(averagePrecision(images)).toBeCloseTo((51 + (50 * 2) / 3) / 101, 12);
  });

  it('matches greedily by score, each detection to the best unmatched GT', () => {
    // The higher-scored NEAR box takes g even though the later exact box overlaps it more.
    expect(matchByScore([{ gts: [sq(0, 0)], dets: [det(sq(0, 0), 0.8), det(NEAR, 0.9)] }]).tp).toEqual([true, false]);
    // sq(1,0) overlaps sq(0,0) most; once that is taken it falls back to sq(2,0) (IoU 0.8).
    const two: EvalImage[] = [{ gts: [sq(0, 0), sq(2, 0)], dets: [det(sq(0, 0), 0.9), det(sq(1, 0), 0.8)] }];
    expect(matchByScore(two).tp).toEqual([true, true]);
  });

  it('is 1 for a perfect detector, 0 without detections, NaN without GT', () => {
    const gts = [sq(0, 0), sq(50, 0), sq(0, 50)];
    expect(averagePrecision([{ gts, dets: gts.map((g, i) => det(g, 0.1 * i)) }, { gts: [sq(7, 7)], dets: [det(sq(7, 7), 0.05)] }])).toBe(1);
    expect(averagePrecision([{ gts, dets: [] }])).toBe(0);
    expect(averagePrecision([{ gts: [], dets: [det(MISS, 1)] }])).toBeNaN();
  });
});

function inside(boxes: readonly ScoredBox[], W: number, H: number): boolean {
  return boxes.every(({ box: [x0, y0, x1, y1] }) => x0 >= 0 && y0 >= 0 && x1 <= W && y1 <= H && x1 > x0 && y1 > y0);
}

describe('baselines', () => {
  const size = { width: 427, height: 320 };

  it('random boxes: the requested count, inside the image and the area window, best first, seeded', () => {
    const a = randomBoxes(size, 30, 7, 0.01, 0.9);
    expect(a).toHaveLength(30);
    expect(inside(a, 427, 320)).toBe(true);
    for (const { box } of a) {
      const frac = ((box[2] - box[0]) * (box[3] - box[1])) / (427 * 320);
      expect(frac >= 0.01 && frac <= 0.9).toBe(true);
    }
    expect(a.map((d) => d.score)).toEqual([...a.map((d) => d.score)].sort((x, y) => y - x));
    expect(randomBoxes(size, 30, 7, 0.01, 0.9)).toEqual(a);
    expect(randomBoxes(size, 30, 8, 0.01, 0.9)).not.toEqual(a);
    expect(() => randomBoxes(size, 1, 7, 0.99, 0.995)).toThrow(/area window/);
  });

  it('grid boxes: the requested count, inside the image, strictly decreasing scores, deterministic', () => {
    const g = gridBoxes(size, 30);
    expect(g).toHaveLength(30);
    expect(inside(g, 427, 320)).toBe(true);
    for (let i = 1; i < g.length; i++) expect(g[i]!.score).toBeLessThan(g[i - 1]!.score);
    expect(gridBoxes(size, 30)).toEqual(g);
  });

  it('grid boxes: a capped prefix holds every scale and ratio; the full grid covers the image at each', () => {
    const groups = DEFAULT_GRID.areaFracs.length * DEFAULT_GRID.aspectRatios.length;
    const areas = gridBoxes(size, groups).map(({ box }) => ((box[2] - box[0]) * (box[3] - box[1])) / (427 * 320));
    DEFAULT_GRID.areaFracs.forEach((a, s) => {
      for (let r = 0; r < DEFAULT_GRID.aspectRatios.length; r++) expect(areas[s * DEFAULT_GRID.aspectRatios.length + r]).toBeCloseTo(a, 6);
    });
    const one = { areaFracs: [0.25], aspectRatios: [1] };
    const all = gridBoxes(size, 1000, one);
    expect(all).toHaveLength(6); // 184.8² tiles: ⌈427/184.8⌉ × ⌈320/184.8⌉ = 3 × 2
    const xs = all.map(({ box }) => box[0]).sort((p, q) => p - q);
    expect(xs[0]).toBe(0);
    expect(Math.max(...all.map(({ box }) => box[2]))).toBeCloseTo(427, 9);
    expect(Math.min(...all.map(({ box }) => box[1]))).toBe(0);
    expect(Math.max(...all.map(({ box }) => box[3]))).toBeCloseTo(320, 9);
  });

  it('grid boxes: the first box of a group is the tile nearest the image centre', () => {
    const [first] = gridBoxes({ width: 300, height: 300 }, 1, { areaFracs: [1 / 9], aspectRatios: [1] });
    expect(first?.box).toEqual(boxXyxy(100, 100, 200, 200));
  });
});
