// The labeled images of the downstream check: a seeded split of a COCO dataset into the few images
// that fine-tune and the held-out rest, with each image's training targets (cxcywh in [0, 1], classes
// as indices into the dataset's categories; crowd boxes are not trained on, as in detr).
import type { CocoAnnotation, CocoDataset } from '../../src/core/cocoFormat';
import type { ImageTargets } from '../../src/core/matcher';
import { mixSeed, mulberry32 } from '../../src/core/rng';

export interface LabeledImage {
  id: number;
  fileName: string;
  width: number;
  height: number;
  annotations: CocoAnnotation[];
  targets: ImageTargets;
  /** Class index → COCO category id. */
  categoryIds: readonly number[];
}

export interface Split {
  train: LabeledImage[];
  held: LabeledImage[];
  numClasses: number;
}

/** ceil(fraction · N) images (at least 1, at most N − 1) train; the order comes from a seeded shuffle. */
export function splitImages(data: CocoDataset, fraction: number, seed: number): Split {
  if (data.images.length < 2) throw new Error(`the downstream check needs at least 2 labeled images, got ${data.images.length}`);
  const categoryIds = [...data.categories].map((c) => c.id).sort((a, b) => a - b);
  const classOf = new Map(categoryIds.map((id, i) => [id, i]));
  const labeled = [...data.images]
    .sort((a, b) => a.id - b.id)
    .map((im): LabeledImage => {
      const annotations = data.annotations.filter((a) => a.image_id === im.id);
      const trained = annotations.filter((a) => a.iscrowd === 0);
      const boxes = trained.flatMap(({ bbox: [x, y, w, h] }) => [(x + w / 2) / im.width, (y + h / 2) / im.height, w / im.width, h / im.height]);
      const targets = { classes: Int32Array.from(trained, (a) => classOf.get(a.category_id) ?? 0), boxes: Float32Array.from(boxes) };
      return { id: im.id, fileName: im.file_name, width: im.width, height: im.height, annotations, targets, categoryIds };
    });
  const rng = mulberry32(mixSeed(seed, 5));
  for (let i = labeled.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [labeled[i], labeled[j]] = [labeled[j]!, labeled[i]!];
  }
  const n = Math.min(labeled.length - 1, Math.max(1, Math.ceil(fraction * labeled.length)));
  return { train: labeled.slice(0, n), held: labeled.slice(n), numClasses: categoryIds.length };
}
