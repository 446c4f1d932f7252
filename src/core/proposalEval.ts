// Class-agnostic quality of object proposals against ground-truth boxes (issue 3's check of stage 1),
// and the two baselines the semantic proposals must beat: seeded random boxes and a multi-scale grid.
//
// Metrics, all at one IoU threshold (0.5) and blind to classes:
// - recall@k: share of all GT boxes that at least one of their image's k best proposals overlaps
//   (proposal recall as in Hosang et al. 2015: no one-to-one matching, one box may cover two GTs);
// - CorLoc: share of images with a GT whose single best proposal overlaps some GT;
// - AP50: COCO's 101-point interpolated AP: detections of all images pooled and sorted by score,
//   each takes the unmatched GT of its image it overlaps most, so a duplicate counts as a false positive.
// Ranking ties keep input order (the proposer's own best-first order), so every number is a
// function of the inputs alone. Units are the caller's (pixels of the image the boxes live in).
import { boxArea, boxIou, boxXyxy, type BoxXyxy } from './boxes';
import { mulberry32 } from './rng';

export interface ScoredBox {
  box: BoxXyxy;
  /** Higher is better; only the order matters. */
  score: number;
}

export interface EvalImage {
  gts: readonly BoxXyxy[];
  dets: readonly ScoredBox[];
}

export interface ImageSize {
  width: number;
  height: number;
}

export const IOU_50 = 0.5;

/** Best first; a stable sort keeps input order among equal scores. */
export function rankByScore(dets: readonly ScoredBox[]): ScoredBox[] {
  return [...dets].sort((a, b) => b.score - a.score);
}

function overlapsAny(box: BoxXyxy, others: readonly BoxXyxy[], iouThr: number): boolean {
  return others.some((o) => boxIou(box, o) >= iouThr);
}

/** recall@k over the whole set; NaN when there is no GT box at all. */
export function recallAtK(images: readonly EvalImage[], k: number, iouThr = IOU_50): number {
  let hits = 0;
  let total = 0;
  for (const { gts, dets } of images) {
    const top = rankByScore(dets).slice(0, k).map((d) => d.box);
    total += gts.length;
    hits += gts.filter((g) => overlapsAny(g, top, iouThr)).length;
  }
  return total === 0 ? NaN : hits / total;
}

/** CorLoc over the images that have a GT box (an image without proposals fails); NaN if none has. */
export function corLoc(images: readonly EvalImage[], iouThr = IOU_50): number {
  const scored = images.filter((im) => im.gts.length > 0);
  const hits = scored.filter((im) => {
    const best = rankByScore(im.dets)[0];
    return best !== undefined && overlapsAny(best.box, im.gts, iouThr);
  }).length;
  return scored.length === 0 ? NaN : hits / scored.length;
}

export interface Matching {
  /** Whether each pooled detection, in descending score order, is a true positive. */
  tp: boolean[];
  numGts: number;
}

/** COCO's greedy matching: by score over all images, each GT matched at most once. */
export function matchByScore(images: readonly EvalImage[], iouThr = IOU_50): Matching {
  const pooled = images.flatMap((im, i) => rankByScore(im.dets).map((d) => ({ ...d, image: i })));
  pooled.sort((a, b) => b.score - a.score); // stable: ties stay in image, then rank, order
  const taken = images.map((im) => new Array<boolean>(im.gts.length).fill(false));
  const tp = pooled.map(({ box, image }) => {
    const gts = images[image]?.gts ?? [];
    const used = taken[image] ?? [];
    let best = -1;
    let bestIou = iouThr;
    gts.forEach((g, j) => {
      const iou = boxIou(box, g);
      if (!used[j] && iou >= bestIou && (best < 0 || iou > bestIou)) [best, bestIou] = [j, iou];
    });
    if (best >= 0) used[best] = true;
    return best >= 0;
  });
  return { tp, numGts: images.reduce((n, im) => n + im.gts.length, 0) };
}

/** 101-point interpolated AP; NaN when there is no GT box, 0 when there is no detection. */
export function averagePrecision(images: readonly EvalImage[], iouThr = IOU_50): number {
  const { tp, numGts } = matchByScore(images, iouThr);
  if (numGts === 0) return NaN;
  const precision: number[] = [];
  const recall: number[] = [];
  let hits = 0;
  tp.forEach((t, i) => {
    if (t) hits++;
    precision.push(hits / (i + 1));
    recall.push(hits / numGts);
  });
  // The envelope: the precision at a recall level is the best precision at that recall or beyond.
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i] ?? 0, precision[i + 1] ?? 0);
  let sum = 0;
  let at = 0;
  for (let j = 0; j <= 100; j++) {
    // j / 100 rather than j * 0.01, so a recall of exactly 29/100 meets the 0.29 threshold.
    while (at < recall.length && (recall[at] ?? 0) < j / 100) at++;
    sum += at < precision.length ? (precision[at] ?? 0) : 0;
  }
  return sum / 101;
}

export interface ProposalQuality {
  recallAt10: number;
  recallAt30: number;
  corLoc: number;
  ap50: number;
  meanPerImage: number;
}

export function proposalQuality(images: readonly EvalImage[]): ProposalQuality {
  return {
    recallAt10: recallAtK(images, 10),
    recallAt30: recallAtK(images, 30),
    corLoc: corLoc(images),
    ap50: averagePrecision(images),
    meanPerImage: images.reduce((n, im) => n + im.dets.length, 0) / Math.max(images.length, 1),
  };
}

/**
 * `count` boxes of uniformly random width, height and position inside the image, with uniformly
 * random scores, best first. Boxes whose area falls outside [minAreaFrac, maxAreaFrac] of the image
 * are redrawn, so the baseline lives in the same size window as the proposals it is compared with.
 */
export function randomBoxes(size: ImageSize, count: number, seed: number, minAreaFrac = 0, maxAreaFrac = 1): ScoredBox[] {
  const { width: W, height: H } = size;
  const rng = mulberry32(seed);
  const out: ScoredBox[] = [];
  for (let tries = 0; out.length < count; tries++) {
    if (tries > 1000 * count) throw new Error(`randomBoxes: expected an area window that random boxes can hit, got [${minAreaFrac}, ${maxAreaFrac}]`);
    const w = rng() * W;
    const h = rng() * H;
    const x0 = rng() * (W - w);
    const y0 = rng() * (H - h);
    const frac = (w * h) / (W * H);
    if (frac >= minAreaFrac && frac <= maxAreaFrac) out.push({ box: boxXyxy(x0, y0, x0 + w, y0 + h), score: rng() });
  }
  return rankByScore(out);
}

export interface GridSpec {
  /** Box areas as fractions of the image area, largest first. */
  areaFracs: readonly number[];
  /** Width over height of the boxes of every scale. */
  aspectRatios: readonly number[];
}

/** Four scales spanning the demo's objects (≈1%–25% of the image), three aspect ratios. */
export const DEFAULT_GRID: GridSpec = { areaFracs: [0.25, 0.1, 0.04, 0.015], aspectRatios: [1, 2, 0.5] };

/** Boxes of one scale and ratio tiled so they cover the image, spread evenly from edge to edge. */
function tiles({ width: W, height: H }: ImageSize, areaFrac: number, ratio: number): BoxXyxy[] {
  const w = Math.min(W, Math.sqrt(areaFrac * W * H * ratio));
  const h = Math.min(H, Math.sqrt((areaFrac * W * H) / ratio));
  const nx = Math.ceil(W / w - 1e-9);
  const ny = Math.ceil(H / h - 1e-9);
  const at = (i: number, n: number, side: number, full: number): number => (n === 1 ? (full - side) / 2 : (i * (full - side)) / (n - 1));
  const out: BoxXyxy[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const [x0, y0] = [at(i, nx, w, W), at(j, ny, h, H)];
      out.push(boxXyxy(x0, y0, Math.min(W, x0 + w), Math.min(H, y0 + h)));
    }
  }
  return out;
}

/** Farthest-point order from the tile nearest the centre, so a capped prefix is spread over the image. */
function spreadOrder(boxes: readonly BoxXyxy[], { width, height }: ImageSize): BoxXyxy[] {
  const centres = boxes.map((b) => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] as const);
  const dist = (i: number, x: number, y: number): number => Math.hypot((centres[i]?.[0] ?? 0) - x, (centres[i]?.[1] ?? 0) - y);
  const gap = boxes.map((_, i) => -dist(i, width / 2, height / 2)); // first pick: nearest the centre
  const order: BoxXyxy[] = [];
  for (let n = 0; n < boxes.length; n++) {
    const pick = gap.reduce((best, g, i) => (g > (gap[best] ?? -Infinity) ? i : best), 0);
    const [px, py] = centres[pick] ?? [0, 0];
    order.push(boxes[pick] ?? boxXyxy(0, 0, 0, 0));
    gap.forEach((g, i) => (gap[i] = n === 0 ? dist(i, px, py) : Math.min(g, dist(i, px, py))));
    gap[pick] = -Infinity;
  }
  return order;
}

/**
 * At most `count` grid boxes. Their score order is fixed: rank r goes round-robin over the
 * (scale, ratio) groups, scales largest first and ratios in the given order, each group's tiles in
 * spread order; score = 1 − r / total. Round-robin, so a cap keeps every scale rather than only the largest.
 */
export function gridBoxes(size: ImageSize, count: number, spec: GridSpec = DEFAULT_GRID): ScoredBox[] {
  const groups = spec.areaFracs.flatMap((a) => spec.aspectRatios.map((r) => spreadOrder(tiles(size, a, r), size)));
  const longest = Math.max(0, ...groups.map((g) => g.length));
  const ranked: BoxXyxy[] = [];
  for (let round = 0; round < longest; round++) {
    for (const g of groups) {
      const b = g[round];
      if (b) ranked.push(b);
    }
  }
  const kept = ranked.slice(0, count);
  return kept.map((box, r) => ({ box, score: 1 - r / kept.length }));
}

/** Area of a box as a share of its image, for bucketing GT boxes by size. */
export function areaShare(box: BoxXyxy, { width, height }: ImageSize): number {
  return boxArea(box) / (width * height);
}
