// Targets for pretraining: round 0 takes the proposals (boxes) and their pseudo-classes (classes);
// every later round takes the detector's own confident predictions (SimDETR's self-training).
//
// Dimensions: P proposals, Q queries, K pseudo-classes (+1 no object). Boxes in targets are cxcywh
// in [0, 1] of the image; proposals come as x1, y1, x2, y2 in the pixels of the cached copy.

import * as tf from '@tensorflow/tfjs';
import { boxXyxy } from './boxes';
import { detrForward, type DetrModel } from './detr';
import type { ImageTargets } from './matcher';
import { nms } from './nms';

/** Proposals [P·4] xyxy in pixels with classes [P] → targets; proposals without a class (−1) are dropped. */
export function proposalsToTargets(boxes: Float32Array, classes: Int32Array, width: number, height: number): ImageTargets {
  const keep: number[] = [];
  classes.forEach((c, i) => {
    if (c >= 0) keep.push(i);
  });
  const out = new Float32Array(keep.length * 4);
  keep.forEach((i, j) => {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = boxes.subarray(i * 4, i * 4 + 4);
    out.set([(x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height], j * 4);
  });
  return { classes: Int32Array.from(keep, (i) => classes[i] ?? 0), boxes: out };
}

export interface SelfTrainingFilter {
  /** Keep predictions whose best class probability is at least this (DESIGN §1: 0.5). */
  scoreThreshold: number;
  /** NMS IoU among kept predictions. */
  nmsIou: number;
  /** Most targets per image. */
  maxPerImage: number;
}

export const DEFAULT_SELF_TRAINING: SelfTrainingFilter = { scoreThreshold: 0.5, nmsIou: 0.7, maxPerImage: 30 };

export interface Detections {
  /** [D·4] cxcywh in [0, 1], best score first. */
  boxes: Float32Array;
  /** [D] probability of the predicted class. */
  scores: Float32Array;
  /** [D] predicted class in [0, K). */
  classes: Int32Array;
}

/**
 * One image's final-layer outputs (logits [Q·(K+1)], boxes [Q·4] cxcywh) → detections: the best
 * real class per query (never "no object"), thresholded, merged by NMS, capped.
 */
export function decodeDetections(logits: Float32Array, boxes: Float32Array, K: number, filter: SelfTrainingFilter): Detections {
  const Q = boxes.length / 4;
  const cand: { q: number; cls: number; score: number }[] = [];
  for (let q = 0; q < Q; q++) {
    const row = logits.subarray(q * (K + 1), (q + 1) * (K + 1));
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    let cls = 0;
    for (let k = 1; k < K; k++) if ((row[k] ?? -Infinity) > (row[cls] ?? -Infinity)) cls = k;
    const score = Math.exp((row[cls] ?? -Infinity) - max) / sum;
    if (score >= filter.scoreThreshold) cand.push({ q, cls, score });
  }
  cand.sort((a, b) => b.score - a.score || a.q - b.q);
  const xyxy = cand.map(({ q }) => {
    const [cx = 0, cy = 0, w = 0, h = 0] = boxes.subarray(q * 4, q * 4 + 4);
    return boxXyxy(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
  });
  const keep = nms(xyxy, cand.map((c) => c.score), { iouThreshold: filter.nmsIou, maxOutput: filter.maxPerImage });
  const out: Detections = { boxes: new Float32Array(keep.length * 4), scores: new Float32Array(keep.length), classes: new Int32Array(keep.length) };
  keep.forEach((i, j) => {
    const c = cand[i];
    if (!c) return;
    out.boxes.set(boxes.subarray(c.q * 4, c.q * 4 + 4), j * 4);
    out.scores[j] = c.score;
    out.classes[j] = c.cls;
  });
  return out;
}

/** The final layer's detections for a batch [B, H, W, 3], with one readback. */
export async function predict(model: DetrModel, images: tf.Tensor4D, filter: SelfTrainingFilter): Promise<Detections[]> {
  const K = model.numClasses;
  const packed = tf.tidy(() => {
    const final = detrForward(model, images, { training: false }).layers.at(-1);
    if (!final) throw new Error('the detector has no decoder layer');
    const [b, q] = final.boxes.shape;
    return tf.concat([tf.reshape(final.logits, [b, q * (K + 1)]), tf.reshape(final.boxes, [b, q * 4])], 1); // [B, Q·(K+1) + Q·4]
  });
  const [B = 0, width = 0] = packed.shape;
  const flat = await packed.data<'float32'>();
  packed.dispose();
  const Q = width / (K + 5);
  return Array.from({ length: B }, (_, b) => {
    const row = flat.subarray(b * width, (b + 1) * width);
    return decodeDetections(row.subarray(0, Q * (K + 1)), row.subarray(Q * (K + 1)), K, filter);
  });
}

/** Detections as the next round's targets. */
export function detectionsToTargets(d: Detections): ImageTargets {
  return { classes: Int32Array.from(d.classes), boxes: Float32Array.from(d.boxes) };
}
