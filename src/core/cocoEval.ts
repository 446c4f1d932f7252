// COCO box AP (stage 5's downstream check), written to give pycocotools' COCOeval numbers for
// iouType 'bbox', area 'all': per image and category, detections best-first (stable among equal
// scores) and cut at maxDets = 100; greedy matching at IoU thresholds .50:.05:.95, each detection
// taking the still-free ground truth it overlaps most; crowd ground truth (iscrowd = 1) may absorb any
// number of detections, which then count as neither TP nor FP, and its IoU divides by the detection's
// area alone; 101-point interpolated precision; AP averaged over the categories that have non-crowd
// ground truth. The thresholds are computed as numpy.linspace does, so ties at a threshold fall the
// same way. Where pycocotools reports −1 (nothing to average), this gives NaN.
// Class-agnostic mode merges every category into one (pycocotools' useCats = 0).
//
// Dimensions: T = 10 IoU thresholds, R = 101 recall points, D detections, G ground-truth boxes.

import type { CocoBbox } from './cocoFormat';

/** COCO [x, y, width, height] in pixels of the original image. */
type Bbox = Readonly<CocoBbox>;

export interface CocoEvalGroundTruth {
  readonly images: readonly { readonly id: number }[];
  readonly annotations: readonly { readonly image_id: number; readonly category_id: number; readonly bbox: Bbox; readonly iscrowd?: number }[];
}

export interface CocoEvalDetection {
  readonly image_id: number;
  readonly category_id: number;
  readonly bbox: Bbox;
  readonly score: number;
}

export interface CocoEvalOptions {
  /** Merge all categories into one (a detector of "objects"). */
  readonly classAgnostic?: boolean;
  /** Detections kept per image and category, best first (COCO: 100). */
  readonly maxDets?: number;
}

export interface CocoMetrics {
  /** AP over IoU .50:.05:.95 and 101 recall points. */
  readonly ap: number;
  readonly ap50: number;
  readonly ap75: number;
  /** Mean over IoU thresholds of the recall reached with maxDets detections per image. */
  readonly ar100: number;
}

export interface CocoEvalResult extends CocoMetrics {
  /** The categories averaged over (those with non-crowd ground truth), ascending; one entry (id −1) when class-agnostic. */
  readonly perCategory: readonly (CocoMetrics & { readonly categoryId: number })[];
}

/** numpy.linspace(start, stop, num): i · step + start, the last point exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10); // [T]
export const RECALL_THRESHOLDS = linspace(0, 1, 101); // [R]
const AP50_INDEX = 0;
const AP75_INDEX = 5;
/** numpy.spacing(1), the guard pycocotools adds to precision's denominator. */
const SPACING = Number.EPSILON;

interface Gt {
  readonly bbox: Bbox;
  readonly crowd: boolean;
}

/** pycocotools' bbIou: crowd boxes divide by the detection's area, not the union. */
export function cocoIou(d: Bbox, g: Bbox, crowd: boolean): number {
  const w = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  const h = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter;
  return inter / union;
}

/** One image and category: its kept detections' scores and, per threshold, which matched and which hit a crowd. */
interface ImageEval {
  readonly scores: number[]; // [D] best first
  readonly matched: boolean[][]; // [T][D]
  readonly ignored: boolean[][]; // [T][D] matched to a crowd box
  readonly numGt: number; // non-crowd ground truth
}

function evaluateImage(gts: readonly Gt[], dts: readonly CocoEvalDetection[], maxDets: number): ImageEval {
  const g = [...gts].sort((a, b) => Number(a.crowd) - Number(b.crowd)); // non-crowd first, stable
  const d = [...dts].sort((a, b) => b.score - a.score).slice(0, maxDets); // [D] stable among ties
  const ious = d.map((det) => g.map((gt) => cocoIou(det.bbox, gt.bbox, gt.crowd))); // [D][G]
  const matched: boolean[][] = [];
  const ignored: boolean[][] = [];
  for (const thr of IOU_THRESHOLDS) {
    const taken = g.map(() => false);
    const m = d.map(() => false);
    const ig = d.map(() => false);
    ious.forEach((row, di) => {
      let best = Math.min(thr, 1 - 1e-10);
      let match = -1;
      for (let gi = 0; gi < g.length; gi++) {
        const crowd = g[gi]?.crowd ?? false;
        if (taken[gi] && !crowd) continue;
        if (match > -1 && !(g[match]?.crowd ?? false) && crowd) break; // a real match beats any crowd box
        const iou = row[gi] ?? 0;
        if (iou < best) continue;
        best = iou;
        match = gi;
      }
      if (match === -1) return;
      m[di] = true;
      ig[di] = g[match]?.crowd ?? false;
      taken[match] = true;
    });
    matched.push(m);
    ignored.push(ig);
  }
  return { scores: d.map((x) => x.score), matched, ignored, numGt: g.filter((x) => !x.crowd).length };
}

/** 101-point interpolated precision [R] and final recall at one threshold, from TP/FP in score order. */
function precisionRecall(tp: readonly boolean[], numGt: number): { precision: number[]; recall: number } {
  const rc: number[] = [];
  const pr: number[] = [];
  let tps = 0;
  let fps = 0;
  for (const hit of tp) {
    if (hit) tps++;
    else fps++;
    rc.push(tps / numGt);
    pr.push(tps / (tps + fps + SPACING));
  }
  for (let i = pr.length - 1; i > 0; i--) pr[i - 1] = Math.max(pr[i - 1] ?? 0, pr[i] ?? 0); // precision envelope
  let at = 0;
  const precision = RECALL_THRESHOLDS.map((r) => {
    while (at < rc.length && (rc[at] ?? 0) < r) at++; // numpy.searchsorted(rc, r, 'left')
    return at < pr.length ? (pr[at] ?? 0) : 0;
  });
  return { precision, recall: rc.length > 0 ? (rc[rc.length - 1] ?? 0) : 0 };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Class-agnostic pycocotools lists each image's boxes category by category (ascending id), which decides
 * ties between equal scores and equal IoUs; it also drops detections of categories the ground truth does
 * not list, where this keeps them (a pretrained detector's pseudo-classes are no COCO categories).
 */
function byCategory<T extends { readonly category_id: number }>(items: readonly T[], agnostic: boolean): readonly T[] {
  return agnostic ? [...items].sort((a, b) => a.category_id - b.category_id) : items;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** One category over all images (in ascending image id): precision [T][R] and recall [T]. */
function accumulate(evals: readonly ImageEval[]): { precision: number[][]; recall: number[] } | null {
  const numGt = evals.reduce((n, e) => n + e.numGt, 0);
  if (numGt === 0) return null;
  const pooled = evals.flatMap((e) => e.scores.map((score, i) => ({ score, e, i })));
  pooled.sort((a, b) => b.score - a.score); // stable: ties stay in image order
  const precision: number[][] = [];
  const recall: number[] = [];
  IOU_THRESHOLDS.forEach((_, t) => {
    const counted = pooled.filter(({ e, i }) => !(e.ignored[t]?.[i] ?? false));
    const pr = precisionRecall(counted.map(({ e, i }) => e.matched[t]?.[i] ?? false), numGt);
    precision.push(pr.precision);
    recall.push(pr.recall);
  });
  return { precision, recall };
}

function metricsOf(precision: readonly (readonly number[])[], recall: readonly number[]): CocoMetrics {
  return {
    ap: mean(precision.flat()),
    ap50: mean(precision[AP50_INDEX] ?? []),
    ap75: mean(precision[AP75_INDEX] ?? []),
    ar100: mean(recall),
  };
}

/** COCO bbox AP of `detections` against `gt`; see the header for the exact conventions. */
export function cocoEvaluate(gt: CocoEvalGroundTruth, detections: readonly CocoEvalDetection[], options: CocoEvalOptions = {}): CocoEvalResult {
  const agnostic = options.classAgnostic ?? false;
  const maxDets = options.maxDets ?? 100;
  const imageIds = [...new Set(gt.images.map((im) => im.id))].sort((a, b) => a - b);
  const known = new Set(imageIds);
  const category = (id: number): number => (agnostic ? -1 : id);
  const key = (image: number, cat: number): string => `${image}/${cat}`;
  const gts = new Map<string, Gt[]>();
  const dts = new Map<string, CocoEvalDetection[]>();
  gt.annotations.forEach((a, i) => {
    if (!known.has(a.image_id)) throw new Error(`cocoEvaluate: annotations[${i}].image_id: expected an id of gt.images, got ${a.image_id}`);
  });
  detections.forEach((d, i) => {
    if (!known.has(d.image_id)) throw new Error(`cocoEvaluate: detections[${i}].image_id: expected an id of gt.images, got ${d.image_id}`);
  });
  for (const a of byCategory(gt.annotations, agnostic)) push(gts, key(a.image_id, category(a.category_id)), { bbox: a.bbox, crowd: (a.iscrowd ?? 0) === 1 });
  for (const d of byCategory(detections, agnostic)) push(dts, key(d.image_id, category(d.category_id)), d);
  const categories = [...new Set(gt.annotations.map((a) => category(a.category_id)))].sort((a, b) => a - b);
  const perCategory: (CocoMetrics & { categoryId: number })[] = [];
  const precision: number[][] = [];
  const recall: number[] = [];
  for (const cat of categories) {
    const evals = imageIds.map((im) => evaluateImage(gts.get(key(im, cat)) ?? [], dts.get(key(im, cat)) ?? [], maxDets));
    const acc = accumulate(evals);
    if (acc === null) continue; // only crowd boxes: nothing to recall
    perCategory.push({ categoryId: cat, ...metricsOf(acc.precision, acc.recall) });
    acc.precision.forEach((p, t) => (precision[t] = [...(precision[t] ?? []), ...p]));
    acc.recall.forEach((r) => recall.push(r));
  }
  return { ...metricsOf(precision, recall), perCategory };
}
