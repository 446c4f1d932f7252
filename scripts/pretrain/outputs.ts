// The run's files in <out>: boxes as COCO results (in ORIGINAL image pixels, through core's
// cocoResults: scaled per axis from the cached copy, clamped into the image, empty ones dropped),
// the metrics log and the weights. Every JSON file is written to a temporary name and renamed, so
// a run killed mid-write leaves the previous complete file, never half of one.

import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boxXyxy } from '../../src/core/boxes';
import type { ScoredClasses } from '../../src/core/classSelection';
import { cachedScale, cocoResults, type CocoBbox, type CocoImage } from '../../src/core/cocoFormat';
import type { RunnerImage } from '../../src/runner/types';
import type { StepReport } from '../../src/worker/protocol';

/** One line of proposals.json, pseudo_labels_round<r>.json and predictions.json. */
export interface CocoFileResult {
  file_name: string;
  image_id: number;
  bbox: CocoBbox;
  score: number;
  category_id: number;
}

/** A results file's pseudo-classes and scores, as core/classSelection.ts ranks them. */
export function scoredClasses(rows: readonly CocoFileResult[]): ScoredClasses {
  return { clusters: Int32Array.from(rows, (r) => r.category_id), scores: Float32Array.from(rows, (r) => r.score) };
}

/** Boxes of one image in its cached copy's pixels: [D·4] x1, y1, x2, y2, best first or not. */
export interface CachedBoxes {
  imageId: string;
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

export interface ImageIndex {
  coco: CocoImage[];
  byId: Map<string, { image: CocoImage; stored: { width: number; height: number } }>;
}

/**
 * COCO ids 1…N in the studio's path order. file_name is the path inside the given folder (the
 * picker's first component, the folder's own name, is dropped), or the demo file's name.
 */
export function imageIndex(images: readonly RunnerImage[]): ImageIndex {
  const coco: CocoImage[] = [];
  const byId: ImageIndex['byId'] = new Map();
  images.forEach((im, i) => {
    const image: CocoImage = { id: i + 1, file_name: im.path.split('/').slice(1).join('/') || im.path, width: im.width, height: im.height };
    coco.push(image);
    byId.set(im.id, { image, stored: { width: im.storedWidth, height: im.storedHeight } });
  });
  return { coco, byId };
}

/** COCO results of every image, image by image, each image's boxes best score first. */
export function toCocoFile(index: ImageIndex, entries: readonly CachedBoxes[], K: number): CocoFileResult[] {
  const categories = Array.from({ length: K }, (_, id) => ({ id, name: `cluster ${id}` }));
  const boxes = entries.map((e) => {
    const found = index.byId.get(e.imageId);
    if (!found) throw new Error(`boxes for image ${e.imageId}, which is not in the dataset`);
    const order = Array.from(e.scores, (_, j) => j).sort((a, b) => (e.scores[b] ?? 0) - (e.scores[a] ?? 0) || a - b);
    return {
      imageId: found.image.id,
      scale: cachedScale(found.image, found.stored),
      boxes: order
        .filter((j) => (e.classes[j] ?? -1) >= 0)
        .map((j) => {
          const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = e.boxes.subarray(j * 4, j * 4 + 4);
          return { box: boxXyxy(x1, y1, x2, y2), categoryId: e.classes[j] ?? 0, score: e.scores[j] ?? 0 };
        }),
    };
  });
  boxes.sort((a, b) => a.imageId - b.imageId);
  const names = new Map(index.coco.map((im) => [im.id, im.file_name]));
  return cocoResults(index.coco, categories, boxes).map((r) => ({
    file_name: names.get(r.image_id) ?? '', image_id: r.image_id, bbox: r.bbox, score: r.score, category_id: r.category_id,
  }));
}

export function writeJsonAtomic(path: string, data: unknown, oneEntryPerLine = false): void {
  const text = oneEntryPerLine && Array.isArray(data)
    ? `[\n${data.map((d) => JSON.stringify(d)).join(',\n')}\n]\n`
    : `${JSON.stringify(data, null, 2)}\n`;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeBytesAtomic(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

/** One metrics.jsonl line per training step. */
export function metricsLine(s: StepReport): string {
  const line = {
    step: s.step, round: s.round, losses: { total: s.loss, class: s.class, l1: s.l1, giou: s.giou },
    lr: s.lr, gradNorm: s.gradNorm, msPerStep: s.stepMs, matchMs: s.matchMs,
  };
  return `${JSON.stringify(line)}\n`;
}

export class MetricsLog {
  constructor(readonly path: string) {}

  /** A resumed run replays the steps after its checkpoint: their old lines go. */
  keepUpTo(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readFileSync(this.path, 'utf8').split('\n').filter((line) => {
      if (line.trim() === '') return false;
      try {
        const parsed: unknown = JSON.parse(line);
        const s = typeof parsed === 'object' && parsed !== null ? (parsed as { step?: unknown }).step : undefined;
        return typeof s === 'number' && s <= step;
      } catch {
        return false; // a line cut by a kill
      }
    });
    writeFileSync(this.path, kept.map((l) => `${l}\n`).join(''));
  }

  start(): void {
    writeFileSync(this.path, '');
  }

  append(steps: readonly StepReport[]): void {
    if (steps.length > 0) appendFileSync(this.path, steps.map(metricsLine).join(''));
  }
}

export const OUTPUT_FILES = {
  proposals: 'proposals.json',
  pseudoLabels: (round: number) => `pseudo_labels_round${round}.json`,
  predictions: 'predictions.json',
  weights: 'model.safetensors',
  metrics: 'metrics.jsonl',
  run: 'run.json',
  browserLog: 'browser.log',
  profile: 'browser-profile',
} as const;

export const outPath = (out: string, name: string) => join(out, name);
