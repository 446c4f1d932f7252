// What a run labelled, as files other tools read: the proposals, the pseudo-labels of every round
// and the final detector's predictions, each as a COCO dataset (categories = the K pseudo-classes,
// bbox in the ORIGINAL image's pixels, every annotation with its score) and as Label Studio
// predictions to review. Pure: the worker hands in what it read from the store (runTransfer.ts).
// An imported run reads its round's pseudo-labels back (roundFromCoco), so it resumes on the
// targets it trained on, whichever round it was in.

import { cachedScale, cocoDataset, labelStudioPredictions, type CachedImageBoxes, type CocoCategory, type CocoDataset, type CocoImage } from '../core/cocoFormat';
import { boxXyxy } from '../core/boxes';
import type { ImageTargets } from '../core/matcher';
import type { ImageDetections, ImageMeta, ImageProposals, ProposalRunResult } from './protocol';
import { toPixels } from './trainingImages';

/** The targets one round trained on, kept with the checkpoint for the export. */
export interface RoundLabels {
  round: number;
  /** [image] in the run's image order: round 0 = proposals with their pseudo-classes, later = predictions. */
  targets: ImageTargets[];
  /** [image][T] each target's confidence (the proposal's or the prediction's score); null if not kept. */
  scores: Float32Array[] | null;
}

export interface RunLabelsInput {
  metas: ReadonlyMap<string, ImageMeta>;
  /** The run's images, in run order. */
  imageIds: readonly string[];
  K: number;
  proposals: ProposalRunResult | null;
  rounds: readonly RoundLabels[];
  /** The final detector's detections, in run order (pixels of the cached copies). */
  predictions: readonly ImageDetections[];
  /** e.g. "simdetr-studio 0.1.0": Label Studio's model_version starts with it. */
  modelVersion: string;
}

export const PROPOSALS_STEM = 'proposals';
export const PREDICTIONS_STEM = 'predictions';
export const roundStem = (round: number): string => `pseudo_labels.round${round}`;
export const cocoName = (stem: string): string => `${stem}.coco.json`;
export const labelStudioName = (stem: string): string => `${stem}.labelstudio.json`;

/** The scores of the proposals that have a pseudo-class, in proposalsToTargets' order. */
export function keptProposalScores(p: ImageProposals | undefined): Float32Array {
  if (!p) return new Float32Array(0);
  return Float32Array.from(Array.from(p.clusters).flatMap((k, j) => (k < 0 ? [] : [p.scores[j] ?? 0])));
}

const categoriesOf = (K: number): CocoCategory[] => Array.from({ length: K }, (_, k) => ({ id: k + 1, name: `cluster ${k}`, supercategory: 'pseudo-class' }));

const cocoImage = (meta: ImageMeta, i: number): CocoImage => ({ id: i + 1, file_name: meta.path, width: meta.width, height: meta.height });

const boxAt = (b: Float32Array, j: number) => boxXyxy(b[4 * j] ?? 0, b[4 * j + 1] ?? 0, b[4 * j + 2] ?? 0, b[4 * j + 3] ?? 0);

/** Scores are float32: 6 decimals keep all they carry and print 0.9, not 0.8999999761581421. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Boxes xyxy in cached pixels with classes (−1 = none, dropped) and scores → one image's COCO boxes. */
function imageBoxes(id: number, meta: ImageMeta, d: { boxes: Float32Array; classes: Int32Array; scores: Float32Array }): CachedImageBoxes {
  return {
    imageId: id,
    scale: cachedScale(meta, { width: meta.storedWidth, height: meta.storedHeight }),
    boxes: Array.from(d.classes).flatMap((k, j) => (k < 0 ? [] : [{ box: boxAt(d.boxes, j), categoryId: k + 1, score: round6(d.scores[j] ?? 1) }])),
  };
}

function files(stem: string, images: CocoImage[], categories: CocoCategory[], boxes: CachedImageBoxes[], modelVersion: string): [string, unknown][] {
  return [
    [cocoName(stem), cocoDataset(images, categories, boxes, { withScores: true })],
    [labelStudioName(stem), labelStudioPredictions(images, categories, boxes, { modelVersion })],
  ];
}

/** Every label file of the run by file name: proposals, pseudo_labels.roundR for each round, predictions. */
export function runLabelFiles(input: RunLabelsInput): Map<string, unknown> {
  const { metas, K, modelVersion } = input;
  const out: [string, unknown][] = [];
  // The proposal run's own order and images (it may hold images the training run did not use).
  const proposed = (input.proposals?.images ?? []).flatMap((im) => {
    const meta = metas.get(im.imageId);
    return meta ? [{ im, meta }] : [];
  });
  out.push(...files(
    PROPOSALS_STEM,
    proposed.map(({ meta }, i) => cocoImage(meta, i)),
    categoriesOf(input.proposals?.K ?? K),
    proposed.map(({ im, meta }, i) => imageBoxes(i + 1, meta, { boxes: im.boxes, classes: im.clusters, scores: im.scores })),
    `${modelVersion} proposals`,
  ));
  const run = input.imageIds.map((id) => {
    const meta = metas.get(id);
    if (!meta) throw new Error(`image ${id} of the run is no longer in the dataset`);
    return meta;
  });
  const images = run.map(cocoImage);
  const categories = categoriesOf(K);
  const empty = { boxes: new Float32Array(0), classes: new Int32Array(0), scores: new Float32Array(0) };
  for (const r of input.rounds) {
    if (r.targets.length !== run.length) throw new Error(`round ${r.round}: expected targets for the run's ${run.length} images, got ${r.targets.length}`);
    const boxes = run.map((meta, i) => {
      const px = toPixels({ meta, rgba: new Uint8ClampedArray(0) }, { ...(r.targets[i] ?? empty), scores: r.scores?.[i] });
      return imageBoxes(i + 1, meta, px);
    });
    out.push(...files(roundStem(r.round), images, categories, boxes, `${modelVersion} round ${r.round} pseudo-labels`));
  }
  if (input.predictions.length !== run.length) throw new Error(`predictions: expected the run's ${run.length} images, got ${input.predictions.length}`);
  out.push(...files(PREDICTIONS_STEM, images, categories, run.map((meta, i) => imageBoxes(i + 1, meta, input.predictions[i] ?? empty)), `${modelVersion} predictions`));
  return new Map(out);
}

/**
 * One round's targets read back from its COCO file (cocoName(roundStem(round))): the file's images,
 * found in the dataset by their paths, in the file's order, and each annotation as cxcywh in [0, 1]
 * of its image with its pseudo-class and score. Throws, naming the file, when an image is not in the
 * dataset or a category is not one of the K pseudo-classes.
 */
export function roundFromCoco(dataset: CocoDataset, round: number, byPath: ReadonlyMap<string, ImageMeta>, K: number): { imageIds: string[]; labels: RoundLabels } {
  const file = cocoName(roundStem(round));
  const byImage = new Map<number, CocoDataset['annotations']>();
  for (const a of dataset.annotations) {
    if (!Number.isInteger(a.category_id) || a.category_id < 1 || a.category_id > K) {
      throw new Error(`${file}: annotation ${a.id} has category_id ${a.category_id}; the detector has pseudo-classes 1…${K}`);
    }
    byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a]);
  }
  const imageIds: string[] = [];
  const targets: ImageTargets[] = [];
  const scores: Float32Array[] = [];
  for (const image of dataset.images) {
    const meta = byPath.get(image.file_name);
    if (!meta) throw new Error(`${file}: image "${image.file_name}" is not in the dataset; add it before importing this run`);
    const boxes = byImage.get(image.id) ?? [];
    imageIds.push(meta.id);
    targets.push({
      classes: Int32Array.from(boxes, (a) => a.category_id - 1),
      boxes: Float32Array.from(boxes.flatMap(({ bbox: [x, y, w, h] }) => [(x + w / 2) / image.width, (y + h / 2) / image.height, w / image.width, h / image.height])),
    });
    scores.push(Float32Array.from(boxes, (a) => a.score ?? 1));
  }
  return { imageIds, labels: { round, targets, scores } };
}
