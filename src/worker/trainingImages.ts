// The training set in memory: every cached image resized once to the detector's input size, as
// RGBA bytes, and batches built from them. Resizing to one fixed size lets a batch be one tensor;
// targets are in [0, 1] of the image, so they do not change with it.

import * as tf from '@tensorflow/tfjs';
import { rgbaToInput } from '../core/proposalStage';
import type { ImageStore } from './imageStore';
import type { ImageTargets } from '../core/matcher';
import type { ImageDetections, ImageMeta } from './protocol';

export interface TrainingImage {
  meta: ImageMeta;
  rgba: Uint8ClampedArray;
}

/** Input height × width for a short side S: 4:3, the width a multiple of the stride 16. */
export function inputSize(shortSide: number): { height: number; width: number } {
  return { height: shortSide, width: Math.round((shortSide * 4) / 3 / 16) * 16 };
}

export async function loadTrainingImages(store: ImageStore, metas: readonly ImageMeta[], size: { height: number; width: number }): Promise<TrainingImage[]> {
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2-D canvas is available in this worker');
  ctx.imageSmoothingQuality = 'high';
  const out: TrainingImage[] = [];
  for (const meta of metas) {
    const blob = await store.getPixels(meta.id);
    if (!blob) throw new Error(`the cached copy of "${meta.path}" is missing; clear the dataset and add it again`);
    const bitmap = await createImageBitmap(blob);
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    bitmap.close();
    out.push({ meta, rgba: ctx.getImageData(0, 0, size.width, size.height).data });
  }
  return out;
}

/** [B, H, W, 3] in [0, 1] from the chosen images. */
export function batchTensor(images: readonly TrainingImage[], size: { height: number; width: number }): tf.Tensor4D {
  return tf.tidy(() => tf.concat(images.map((im) => rgbaToInput({ ...size, data: im.rgba })), 0)); // [B, H, W, 3]
}

export function emptyTargets(): ImageTargets {
  return { classes: new Int32Array(0), boxes: new Float32Array(0) };
}

/** Targets or detections (cxcywh in [0, 1]) as boxes in the pixels of the image's cached copy. */
export function toPixels(im: TrainingImage, d: { boxes: Float32Array; classes: Int32Array; scores?: Float32Array }): ImageDetections {
  const { storedWidth: W, storedHeight: H } = im.meta;
  const boxes = new Float32Array(d.boxes.length);
  for (let i = 0; i < d.boxes.length; i += 4) {
    const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(i, i + 4);
    boxes.set([(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H], i);
  }
  const scores = d.scores ? Float32Array.from(d.scores) : new Float32Array(d.classes.length).fill(1);
  return { imageId: im.meta.id, boxes, classes: Int32Array.from(d.classes), scores };
}
