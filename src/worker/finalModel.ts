// The detector of the last checkpoint, for the headless runner's outputs: its predictions on every
// image of the run and its weights as safetensors. A run that ends saves a checkpoint at its last
// step, so this is the final detector; rebuilding it from the checkpoint leaves TrainingSession as
// it is, and works after a reload too.

import { restoreTrainer } from '../core/checkpoint';
import type { DetrModel } from '../core/detr';
import { detrToSafetensors } from '../core/detrNames';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import type { SelfTrainingFilter } from '../core/trainData';
import { predict } from '../core/trainData';
import { createTrainer, disposeTrainer } from '../core/trainer';
import type { ImageStore } from './imageStore';
import { CONFIG_METADATA_KEY } from './runArchive';
import type { FinalModel, ImageDetections } from './protocol';
import { batchTensor, inputSize, loadTrainingImages, toPixels, type TrainingImage } from './trainingImages';

export async function finalModel(store: ImageStore, encoder: MobileNetV2Weights, filter: SelfTrainingFilter): Promise<FinalModel> {
  const c = await store.getCheckpoint();
  if (!c) throw new Error('there is no saved checkpoint: a pretraining run has to finish first');
  const metas = new Map((await store.listMetas()).map((m) => [m.id, m]));
  const missing = c.imageIds.filter((id) => !metas.has(id));
  if (missing.length > 0) throw new Error(`${missing.length} images of the last run are no longer in the dataset`);
  const size = inputSize(c.config.detr.imageSize);
  const images = await loadTrainingImages(store, c.imageIds.map((id) => metas.get(id)!), size);
  const trainer = createTrainer({ ...c.config.detr, numClasses: c.K }, encoder);
  try {
    restoreTrainer(trainer, c.snapshot);
    const predictions = await predictImages(trainer.model, images, size, c.config.batchSize, filter);
    // The training config rides along, as in an export, so the file alone is enough to fine-tune from.
    const metadata = { preset: c.config.preset, step: String(c.step), round: String(c.round), seed: String(c.config.detr.seed), [CONFIG_METADATA_KEY]: JSON.stringify(c.config) };
    const safetensors = await detrToSafetensors(trainer.model, metadata);
    return { step: c.step, round: c.round, K: c.K, predictions, safetensors };
  } finally {
    disposeTrainer(trainer);
  }
}

/** Detections on every image, in order, batch by batch (pixels of the cached copies). */
export async function predictImages(
  model: DetrModel,
  images: readonly TrainingImage[],
  size: { height: number; width: number },
  batchSize: number,
  filter: SelfTrainingFilter,
): Promise<ImageDetections[]> {
  const predictions: ImageDetections[] = [];
  for (let i = 0; i < images.length; i += batchSize) {
    const chunk = images.slice(i, i + batchSize);
    const batch = batchTensor(chunk, size);
    try {
      const found = await predict(model, batch, filter);
      chunk.forEach((im, j) => predictions.push(toPixels(im, found[j] ?? { boxes: new Float32Array(0), scores: new Float32Array(0), classes: new Int32Array(0) })));
    } finally {
      batch.dispose();
    }
  }
  return predictions;
}
