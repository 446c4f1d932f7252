// COCO AP on cases small enough to work out by hand (101-point values written as fractions), and
// pycocotools' conventions one at a time: duplicates, crowd boxes, thresholds, score order, maxDets,
// category averaging and the class-agnostic mode.
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, cocoIou, IOU_THRESHOLDS, RECALL_THRESHOLDS, type CocoEvalDetection, type CocoEvalGroundTruth } from './cocoEval';
import type { CocoBbox } from './cocoFormat';

type Ann = CocoEvalGroundTruth['annotations'][number];
const gt = (images: number[], annotations: Ann[]): CocoEvalGroundTruth => ({ images: images.map((id) => ({ id })), annotations });
const ann = (image_id: number, bbox: CocoBbox, category_id = 1, iscrowd = 0): Ann => ({ image_id, category_id, bbox, iscrowd });
const det = (image_id: number, bbox: CocoBbox, score: number, category_id = 1): CocoEvalDetection => ({ image_id, category_id, bbox, score });

const A: CocoBbox = [0, 0, 10, 10];
const B: CocoBbox = [50, 50, 20, 20];
const FAR: CocoBbox = [200, 200, 10, 10];
/** Precision 1/(1 + numpy.spacing(1)) is pycocotools' "1". */
const DIGITS = 12;

describe('COCO thresholds', () => {
  it('has 10 IoU thresholds .50:.05:.95 and 101 recall points, as numpy.linspace makes them', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[50]).toBe(0.5);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });

  it('computes IoU like pycocotools, crowd boxes over the detection area only', () => {
    expect(cocoIou([0, 0, 10, 10], [5, 0, 10, 10], false)).toBeCloseTo(50 / 150, 15);
    expect(cocoIou([0, 0, 10, 10], [5, 0, 10, 10], true)).toBe(0.5);
    expect(cocoIou([0, 0, 10, 10], [10, 0, 10, 10], false)).toBe(0); // touching edges
  });
});

describe('cocoEvaluate', () => {
  it('gives 1 for perfect detections and 0 for none or misses', () => {
    const g = gt([1, 2], [ann(1, A), ann(1, B), ann(2, A)]);
    const perfect = cocoEvaluate(g, [det(1, A, 0.9), det(1, B, 0.8), det(2, A, 0.7)]);
    for (const v of [perfect.ap, perfect.ap50, perfect.ap75, perfect.ar100]) expect(v).toBeCloseTo(1, DIGITS);
    const none = cocoEvaluate(g, []);
    expect([none.ap, none.ap50, none.ap75, none.ar100]).toEqual([0, 0, 0, 0]);
    const misses = cocoEvaluate(g, [det(1, FAR, 0.9), det(2, FAR, 0.9)]);
    expect([misses.ap, misses.ar100]).toEqual([0, 0]);
  });

  it('finding one of two objects gives AP50 = 51/101 (recall points 0 to 0.5) and AR 0.5', () => {
    const r = cocoEvaluate(gt([1], [ann(1, A), ann(1, B)]), [det(1, A, 0.9)]);
    expect(r.ap50).toBeCloseTo(51 / 101, DIGITS);
    expect(r.ap).toBeCloseTo(51 / 101, DIGITS);
    expect(r.ar100).toBe(0.5);
  });

  it('counts a duplicate as a false positive: TP, FP, TP gives (51 + 50·2/3)/101', () => {
    const g = gt([1], [ann(1, A), ann(1, B)]);
    const r = cocoEvaluate(g, [det(1, A, 0.9), det(1, A, 0.8), det(1, B, 0.7)]);
    expect(r.ap50).toBeCloseTo((51 + (50 * 2) / 3) / 101, DIGITS);
    expect(r.ar100).toBe(1);
    const noDuplicate = cocoEvaluate(g, [det(1, A, 0.9), det(1, B, 0.7)]);
    expect(noDuplicate.ap50).toBeCloseTo(1, DIGITS);
  });

  it('ignores crowd boxes: a detection inside one is neither TP nor FP, however many there are', () => {
    const crowd: CocoBbox = [100, 100, 100, 100];
    const g = gt([1], [ann(1, A), ann(1, crowd, 1, 1)]);
    const inside = [det(1, [110, 110, 10, 10], 0.95), det(1, [150, 150, 20, 20], 0.94)]; // IoU over their own area: 1
    const r = cocoEvaluate(g, [...inside, det(1, A, 0.5)]);
    expect(r.ap).toBeCloseTo(1, DIGITS);
    expect(r.ar100).toBe(1);
    // The same boxes without the crowd flag: the two are false positives ahead of the hit.
    const plain = cocoEvaluate(gt([1], [ann(1, A), ann(1, crowd)]), [...inside, det(1, A, 0.5)]);
    expect(plain.ap50).toBeCloseTo((51 * 1) / 3 / 101, DIGITS); // FP, FP, TP over 2 GTs: precision 1/3 up to recall 0.5
  });

  it('a category with only crowd boxes is not averaged', () => {
    const g = gt([1], [ann(1, A, 1), ann(1, B, 2, 1)]);
    const r = cocoEvaluate(g, [det(1, A, 0.9, 1), det(1, [55, 55, 5, 5], 0.9, 2)]);
    expect(r.perCategory.map((c) => c.categoryId)).toEqual([1]);
    expect(r.ap).toBeCloseTo(1, DIGITS);
  });

  it('a detection at IoU 0.62 counts for the thresholds .50, .55 and .60 only', () => {
    // [0,0,10,10] against [0,0,10,x]: IoU = 10/x. x = 10/0.62 gives IoU 0.62.
    const r = cocoEvaluate(gt([1], [ann(1, A)]), [det(1, [0, 0, 10, 10 / 0.62], 0.9)]);
    expect(r.ap50).toBeCloseTo(1, DIGITS);
    expect(r.ap75).toBe(0);
    expect(r.ap).toBeCloseTo(3 / 10, DIGITS);
    expect(r.ar100).toBeCloseTo(3 / 10, 15);
  });

  it('counts IoU exactly at a threshold as a match', () => {
    const r = cocoEvaluate(gt([1], [ann(1, A)]), [det(1, [0, 0, 20, 10], 0.9)]); // IoU 100 / 200
    expect(r.ap50).toBeCloseTo(1, DIGITS);
    expect(r.ar100).toBeCloseTo(1 / 10, 15);
  });

  it('depends on score order: a false positive ranked first costs precision, ranked last costs nothing', () => {
    const g = gt([1, 2], [ann(1, A), ann(2, A)]);
    const hits = [det(1, A, 0.8), det(2, A, 0.7)];
    const fpFirst = cocoEvaluate(g, [det(1, FAR, 0.9), ...hits]);
    expect(fpFirst.ap50).toBeCloseTo(2 / 3, DIGITS); // FP, TP, TP: the envelope is 2/3 everywhere
    const fpLast = cocoEvaluate(g, [det(1, FAR, 0.1), ...hits]);
    expect(fpLast.ap50).toBeCloseTo(1, DIGITS);
    expect(fpFirst.ar100).toBe(fpLast.ar100);
  });

  it('lets the better-scored detection take the box, turning a better-fitting one into a false positive', () => {
    // A 0.57-IoU box at a high score and the exact box at a low score. At .50 and .55 the first takes
    // the GT and the exact box is a duplicate (TP, FP: AP 1); from .60 on the first misses (FP, TP: 1/2).
    const r = cocoEvaluate(gt([1], [ann(1, A)]), [det(1, [0, 0, 10, 10 / 0.57], 0.9), det(1, A, 0.5)]);
    expect(r.ap50).toBeCloseTo(1, DIGITS);
    expect(r.ap75).toBeCloseTo(1 / 2, DIGITS);
    expect(r.ap).toBeCloseTo((2 * 1 + 8 * 0.5) / 10, DIGITS);
    expect(r.ar100).toBe(1);
  });

  it('keeps at most maxDets detections per image, best first', () => {
    const g = gt([1], [ann(1, A)]);
    const fps = Array.from({ length: 100 }, (_, i) => det(1, [300 + i, 300, 5, 5], 0.9));
    expect(cocoEvaluate(g, [...fps, det(1, A, 0.1)]).ar100).toBe(0); // the 101st is dropped
    expect(cocoEvaluate(g, [...fps.slice(1), det(1, A, 0.1)]).ar100).toBe(1);
    expect(cocoEvaluate(g, [...fps, det(1, A, 0.1)], { maxDets: 101 }).ar100).toBe(1);
  });

  it('averages AP over categories with ground truth; class-agnostic mode merges them', () => {
    const g = gt([1], [ann(1, A, 1), ann(1, B, 2)]);
    const dets = [det(1, A, 0.9, 1), det(1, B, 0.8, 1), det(1, FAR, 0.8, 3)]; // B found, but labelled 1
    const r = cocoEvaluate(g, dets);
    expect(r.perCategory.map((c) => c.categoryId)).toEqual([1, 2]);
    expect(r.perCategory[1]?.ap).toBe(0);
    // Category 1: TP then FP, over one GT: AP 1. Category 2: nothing. Category 3 has no GT and is not averaged.
    expect(r.perCategory[0]?.ap).toBeCloseTo(1, DIGITS);
    expect(r.ap).toBeCloseTo(0.5, DIGITS);
    const agnostic = cocoEvaluate(g, dets, { classAgnostic: true });
    expect(agnostic.perCategory.map((c) => c.categoryId)).toEqual([-1]);
    expect(agnostic.ar100).toBe(1);
    // TP, then TP and FP tied at 0.8 (input order: B first): precision 1 up to recall 1.
    expect(agnostic.ap50).toBeCloseTo(1, DIGITS);
  });

  it('pools images in id order, ties included, and cuts maxDets per image and category', () => {
    const g = gt([2, 1], [ann(1, A), ann(2, A)]);
    // Tied scores: image 1's FP comes before image 2's hit (ascending image id), whatever the input order.
    const r = cocoEvaluate(g, [det(2, A, 0.5), det(1, FAR, 0.5), det(1, A, 0.9)]);
    expect(r.ap50).toBeCloseTo((51 + 50 * (2 / 3)) / 101, DIGITS); // TP, FP, TP
  });

  it('is NaN with no ground truth to recall, and refuses detections of unknown images', () => {
    const r = cocoEvaluate(gt([1], []), [det(1, A, 0.9)]);
    expect(r.ap).toBeNaN();
    expect(r.perCategory).toEqual([]);
    expect(() => cocoEvaluate(gt([1], []), [det(1, A, 0.9), det(7, A, 0.9)])).toThrow(/detections\[1\]\.image_id: expected an id of gt\.images, got 7/);
    expect(() => cocoEvaluate(gt([1], [ann(3, A)]), [])).toThrow(/annotations\[0\]\.image_id/);
  });
});
