// cocoEvaluate against numbers that pycocotools 2.0.11 (COCOeval, iouType 'bbox') printed for the same
// seeded random sets: crowd boxes, near-miss and duplicate detections, wrong classes, tied scores and
// an image over maxDets. To re-record: write randomSet(seed) as COCO JSON and run COCOeval (useCats 0
// for the class-agnostic numbers); stats[0], stats[1], stats[2] and stats[8] are AP, AP50, AP75, AR@100.
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoEvalDetection } from './cocoEval';
import type { CocoBbox } from './cocoFormat';
import { mulberry32, randInt } from './rng';

interface RandomSet {
  images: { id: number; width: number; height: number; file_name: string }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: CocoBbox; area: number; iscrowd: number }[];
  categories: { id: number; name: string }[];
  detections: CocoEvalDetection[];
}

function randomSet(seed: number): RandomSet {
  const rng = mulberry32(seed);
  const images = Array.from({ length: 2 + randInt(rng, 7) }, (_, i) => ({ id: 3 * i + 1, width: 640, height: 480, file_name: `${i}.jpg` }));
  const box = (): CocoBbox => [rng() * 500, rng() * 350, 5 + rng() * 100, 5 + rng() * 100];
  const cat = (): number => 1 + randInt(rng, 3);
  const score = (steps: number): number => Math.round(rng() * steps) / steps; // coarse: many ties
  const set: RandomSet = { images, annotations: [], categories: [1, 2, 3].map((id) => ({ id, name: `c${id}` })), detections: [] };
  for (const im of images) {
    for (let k = randInt(rng, 6); k > 0; k--) {
      const b = box();
      const c = cat();
      set.annotations.push({ id: set.annotations.length + 1, image_id: im.id, category_id: c, bbox: b, area: b[2] * b[3], iscrowd: rng() < 0.15 ? 1 : 0 });
      for (let j = randInt(rng, 3); j > 0; j--) {
        const moved: CocoBbox = [b[0] + (rng() - 0.5) * 0.4 * b[2], b[1] + (rng() - 0.5) * 0.4 * b[3], b[2] * (0.7 + 0.6 * rng()), b[3] * (0.7 + 0.6 * rng())];
        set.detections.push({ image_id: im.id, category_id: rng() < 0.8 ? c : cat(), bbox: moved, score: score(10) });
      }
    }
    for (let k = rng() < 0.15 ? 110 : randInt(rng, 4); k > 0; k--) set.detections.push({ image_id: im.id, category_id: cat(), bbox: box(), score: score(20) });
  }
  return set;
}

/** seed → [AP, AP50, AP75, AR@100] by category, then class-agnostic, as pycocotools printed them. */
const PYCOCOTOOLS: Record<number, [number[], number[]]> = {
  1: [[0.04191419141914191, 0.21716171617161714, 0.0, 0.10833333333333334], [0.030921553693830924, 0.1766945925361767, 0.0, 0.14285714285714285]],
  2: [[0.10535321389281786, 0.2755775577557756, 0.0374037403740374, 0.20888888888888885], [0.051824611032531824, 0.1628712871287129, 0.0033003300330033, 0.18666666666666668]],
  3: [[0.022823615694902828, 0.10891089108910891, 0.0, 0.05952380952380953], [0.05031450203843914, 0.23019801980198015, 0.0, 0.12]],
  4: [[0.009870473269226371, 0.0443140908133836, 0.0018573966711442715, 0.22146464646464648], [0.012495364333219775, 0.0521005099917095, 0.001480214466629387, 0.2809523809523809]],
  9: [[0.012277227722772276, 0.040814081408140815, 0.0, 0.1222222222222222], [0.013410920301128807, 0.03952951686146058, 0.0, 0.16666666666666666]],
  13: [[0.006304757765153804, 0.02556194264115056, 0.0015601560156015602, 0.13888888888888887], [0.0042068408826577116, 0.024822977653802526, 0.0005690224194833276, 0.15454545454545454]],
};

describe('cocoEvaluate against pycocotools', () => {
  it('draws sets that exercise crowd boxes and the maxDets cut', () => {
    const sets = Object.keys(PYCOCOTOOLS).map((seed) => randomSet(Number(seed)));
    expect(sets.every((s) => s.annotations.some((a) => a.iscrowd === 1))).toBe(true);
    expect(sets.some((s) => s.images.some((im) => s.detections.filter((d) => d.image_id === im.id).length > 100))).toBe(true);
  });

  for (const [seed, [byCategory, agnostic]] of Object.entries(PYCOCOTOOLS)) {
    it(`matches COCOeval on random set ${seed}`, () => {
      const set = randomSet(Number(seed));
      const r = cocoEvaluate(set, set.detections);
      const a = cocoEvaluate(set, set.detections, { classAgnostic: true });
      [r.ap, r.ap50, r.ap75, r.ar100].forEach((v, i) => expect(v).toBeCloseTo(byCategory[i] ?? NaN, 12));
      [a.ap, a.ap50, a.ap75, a.ar100].forEach((v, i) => expect(v).toBeCloseTo(agnostic[i] ?? NaN, 12));
    });
  }
});
