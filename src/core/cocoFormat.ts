// COCO detection JSON and Label Studio's predictions import format: builders from the app's boxes,
// and (cocoParse.ts) a validating reader for the labeled files a person brings.
//
// The app's boxes live in the pixels of each image's cached copy (xyxy, short side S); COCO and Label
// Studio want the ORIGINAL image's pixels. A box is scaled per axis by original / cached size
// (cachedScale), clamped into the image, and dropped if nothing of it is left. COCO boxes are
// [x, y, width, height] rounded to 0.01 px as COCO's own files; Label Studio's are percentages of the
// original size.
import type { BoxXyxy } from './boxes';

export { parseCocoDataset, type CocoParseResult } from './cocoParse';

export type CocoBbox = [number, number, number, number];

export interface CocoImage {
  id: number;
  file_name: string;
  width: number; // original pixels
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: CocoBbox; // original pixels
  area: number;
  iscrowd: 0 | 1;
  /** Confidence, on exported proposals, pseudo-labels and predictions (COCO's own files have none). */
  score?: number;
}

export interface CocoDataset {
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

/** One line of a COCO results file (what pycocotools' loadRes reads). */
export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: CocoBbox;
  score: number;
}

/** Original pixels per cached pixel, per axis. */
export interface Scale {
  readonly x: number;
  readonly y: number;
}

export interface CachedBox {
  readonly box: BoxXyxy; // cached-copy pixels
  readonly categoryId: number;
  /** Confidence; ignored by cocoDataset. */
  readonly score?: number;
}

/** The boxes of one image, in the pixels of its cached copy. */
export interface CachedImageBoxes {
  readonly imageId: number;
  readonly scale: Scale;
  readonly boxes: readonly CachedBox[];
}

export function cachedScale(original: { width: number; height: number }, cached: { width: number; height: number }): Scale {
  return { x: original.width / cached.width, y: original.height / cached.height };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);

/** Cached xyxy → original-pixel corners inside the image; null if the clamped box is empty. */
function toOriginal(box: BoxXyxy, scale: Scale, image: CocoImage): [number, number, number, number] | null {
  const x0 = clamp(box[0] * scale.x, image.width);
  const y0 = clamp(box[1] * scale.y, image.height);
  const x1 = clamp(box[2] * scale.x, image.width);
  const y1 = clamp(box[3] * scale.y, image.height);
  return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
}

function toCocoBbox([x0, y0, x1, y1]: readonly number[]): CocoBbox | null {
  const [x, y] = [round2(x0 ?? 0), round2(y0 ?? 0)];
  const [w, h] = [round2((x1 ?? 0) - x), round2((y1 ?? 0) - y)];
  return w > 0 && h > 0 ? [x, y, w, h] : null;
}

function lookup<T extends { id: number }>(items: readonly T[], what: string): (id: number, where: string) => T {
  const byId = new Map(items.map((it) => [it.id, it]));
  return (id, where) => {
    const found = byId.get(id);
    if (found === undefined) throw new Error(`${where}: expected the id of one of the ${items.length} ${what}, got ${id}`);
    return found;
  };
}

/** Every box of every image in original pixels, with its image and category checked. */
function* originalBoxes(images: readonly CocoImage[], categories: readonly CocoCategory[], boxes: readonly CachedImageBoxes[], caller: string) {
  const image = lookup(images, 'images');
  const category = lookup(categories, 'categories');
  for (const [i, entry] of boxes.entries()) {
    const im = image(entry.imageId, `${caller}: boxes[${i}].imageId`);
    for (const [j, b] of entry.boxes.entries()) {
      const cat = category(b.categoryId, `${caller}: boxes[${i}].boxes[${j}].categoryId`);
      const corners = toOriginal(b.box, entry.scale, im);
      if (corners !== null) yield { image: im, category: cat, corners, score: b.score ?? 1 };
    }
  }
}

/**
 * A COCO dataset (annotation ids from 1, iscrowd 0) from boxes on the cached copies; with
 * `withScores`, each annotation carries its box's score (1 where the box has none).
 */
export function cocoDataset(
  images: readonly CocoImage[],
  categories: readonly CocoCategory[],
  boxes: readonly CachedImageBoxes[],
  options: { withScores?: boolean } = {},
): CocoDataset {
  const annotations: CocoAnnotation[] = [];
  for (const { image, category, corners, score } of originalBoxes(images, categories, boxes, 'cocoDataset')) {
    const bbox = toCocoBbox(corners);
    if (bbox === null) continue;
    const a: CocoAnnotation = { id: annotations.length + 1, image_id: image.id, category_id: category.id, bbox, area: round2(bbox[2] * bbox[3]), iscrowd: 0 };
    annotations.push(options.withScores === true ? { ...a, score } : a);
  }
  return { images: images.map((im) => ({ ...im })), categories: categories.map((c) => ({ ...c })), annotations };
}

/** A COCO results list (for pycocotools' loadRes or cocoEvaluate) from scored boxes on the cached copies. */
export function cocoResults(images: readonly CocoImage[], categories: readonly CocoCategory[], boxes: readonly CachedImageBoxes[]): CocoResult[] {
  const results: CocoResult[] = [];
  for (const { image, category, corners, score } of originalBoxes(images, categories, boxes, 'cocoResults')) {
    const bbox = toCocoBbox(corners);
    if (bbox !== null) results.push({ image_id: image.id, category_id: category.id, bbox, score });
  }
  return results;
}

export interface LabelStudioRegion {
  id: string;
  type: 'rectanglelabels';
  from_name: string;
  to_name: string;
  original_width: number;
  original_height: number;
  value: { x: number; y: number; width: number; height: number; rotation: 0; rectanglelabels: [string] };
  score: number;
}

export interface LabelStudioTask {
  data: { image: string };
  predictions: { model_version: string; score: number; result: LabelStudioRegion[] }[];
}

export interface LabelStudioOptions {
  readonly modelVersion: string;
  /** Where Label Studio finds each image (default: its file_name). */
  readonly imageUrl?: (image: CocoImage) => string;
  /** Names in the labeling config: <RectangleLabels name=fromName toName=toName>. */
  readonly fromName?: string;
  readonly toName?: string;
}

/**
 * One Label Studio task per image, with the boxes as a prediction to review (an image without boxes
 * gets no prediction). The prediction's score is the mean of its boxes' scores.
 */
export function labelStudioPredictions(
  images: readonly CocoImage[],
  categories: readonly CocoCategory[],
  boxes: readonly CachedImageBoxes[],
  options: LabelStudioOptions,
): LabelStudioTask[] {
  const regions = new Map<number, LabelStudioRegion[]>(images.map((im) => [im.id, []]));
  for (const { image, category, corners, score } of originalBoxes(images, categories, boxes, 'labelStudioPredictions')) {
    const [x0, y0, x1, y1] = corners;
    const list = regions.get(image.id) ?? [];
    const [w, h] = [image.width / 100, image.height / 100];
    list.push({
      id: `${image.id}-${list.length}`,
      type: 'rectanglelabels',
      from_name: options.fromName ?? 'label',
      to_name: options.toName ?? 'image',
      original_width: image.width,
      original_height: image.height,
      value: { x: x0 / w, y: y0 / h, width: (x1 - x0) / w, height: (y1 - y0) / h, rotation: 0, rectanglelabels: [category.name] },
      score,
    });
    regions.set(image.id, list);
  }
  return images.map((im) => {
    const result = regions.get(im.id) ?? [];
    const score = result.reduce((s, r) => s + r.score, 0) / Math.max(result.length, 1);
    const predictions = result.length === 0 ? [] : [{ model_version: options.modelVersion, score, result }];
    return { data: { image: options.imageUrl?.(im) ?? im.file_name }, predictions };
  });
}
