// Training-time augmentation, as DETR trains: a random horizontal flip and a random crop zoomed
// back to the input size, the same transform applied to the image and to its target boxes, so that
// a detector trained for many epochs on few images learns objects rather than their exact pixels.
// Off by default: on the demo, 2,000 tiny steps fit the pseudo-labels less well with it (predictions
// AP50 0.80 with flips and crops, 1.33 without), and the downstream check scored lower with it.
//
// One tf.image.cropAndResize does both for a whole batch: its box [y0, x0, y1, x1] (normalised, so
// that 0 and 1 are the centres of the first and last pixel) is sampled onto the output grid, and
// x0 > x1 mirrors it. Targets go through the exact same affine map, so boxes and pixels stay aligned
// to a fraction of a pixel; a box keeps its class while at least MIN_VISIBLE of its area stays in
// the crop, and is clipped to it.

import * as tf from '@tensorflow/tfjs';
import type { ImageTargets } from './matcher';

export interface AugmentConfig {
  /** Mirror each image left–right with probability 1/2. */
  flip: boolean;
  /** With probability 1/2, crop each side to a uniform share in [cropMinScale, 1] of the image, then
   * zoom back to the input size; 1 turns cropping off. */
  cropMinScale: number;
}

/** The smallest share of a side a crop keeps, wherever a config is read. */
export const MIN_CROP_SCALE = 0.1;

/** DETR's: flips, and crops down to half of each side. */
export const DETR_AUGMENT: AugmentConfig = { flip: true, cropMinScale: 0.5 };
export const NO_AUGMENT: AugmentConfig = { flip: false, cropMinScale: 1 };

/** The augmentation as a person chooses it: flips and crops, either, or neither. */
export const AUGMENT_KINDS = ['flip-crop', 'flip', 'crop', 'none'] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number];

export function augmentKind(a: AugmentConfig): AugmentKind {
  const crop = a.cropMinScale < 1;
  return a.flip ? (crop ? 'flip-crop' : 'flip') : crop ? 'crop' : 'none';
}

/** The augmentation of a kind; a crop scale already set (a headless run's file, an imported run) is kept. */
export function withAugmentKind(a: AugmentConfig, kind: AugmentKind): AugmentConfig {
  const crop = kind === 'flip-crop' || kind === 'crop';
  return { flip: kind === 'flip-crop' || kind === 'flip', cropMinScale: crop ? (a.cropMinScale < 1 ? a.cropMinScale : DETR_AUGMENT.cropMinScale) : 1 };
}

/** A box keeps its target while at least this share of its area is inside the crop. */
export const MIN_VISIBLE = 0.25;

/** One image's transform: cropAndResize's box, normalised to pixel centres; x0 > x1 is a mirror. */
export interface Augmentation {
  y0: number;
  x0: number;
  y1: number;
  x1: number;
}

export const IDENTITY: Augmentation = { y0: 0, x0: 0, y1: 1, x1: 1 };

/** Draws one image's transform from rng (uniform in [0, 1)); a fixed number of draws per image. */
export function drawAugmentation(rng: () => number, config: AugmentConfig): Augmentation {
  const flip = rng() < 0.5;
  const crop = rng() < 0.5;
  const sw = config.cropMinScale + (1 - config.cropMinScale) * rng();
  const sh = config.cropMinScale + (1 - config.cropMinScale) * rng();
  const left = (1 - sw) * rng();
  const top = (1 - sh) * rng();
  const a = crop && config.cropMinScale < 1 ? { y0: top, x0: left, y1: top + sh, x1: left + sw } : { ...IDENTITY };
  return config.flip && flip ? { ...a, x0: a.x1, x1: a.x0 } : a;
}

/** [B, H, W, 3] images, each through its transform, at the same size. */
export function augmentImages(images: tf.Tensor4D, augs: readonly Augmentation[]): tf.Tensor4D {
  const [B, H, W] = images.shape;
  if (augs.length !== B) throw new Error(`augmentImages: ${augs.length} transforms for ${B} images`);
  if (augs.every(isIdentity)) return images.clone();
  return tf.tidy(() => {
    const boxes = tf.tensor2d(augs.flatMap((a) => [a.y0, a.x0, a.y1, a.x1]), [B, 4]);
    const index = tf.tensor1d(augs.map((_, i) => i), 'int32');
    return tf.image.cropAndResize(images, boxes, index, [H, W], 'bilinear'); // [B, H, W, 3]
  });
}

function isIdentity(a: Augmentation): boolean {
  return a.y0 === 0 && a.x0 === 0 && a.y1 === 1 && a.x1 === 1;
}

/**
 * Where a coordinate u in [0, 1] of the input lands in the output, along an axis of n pixels whose
 * crop runs from a to b (cropAndResize's normalisation: output pixel j samples input pixel
 * a·(n−1) + j·(b−a); pixel i covers [i, i+1)/n).
 */
function mapAxis(u: number, a: number, b: number, n: number): number {
  return ((u * n - 0.5 - a * (n - 1)) / (b - a) + 0.5) / n;
}

/** The targets (cxcywh in [0, 1]) of an image of height × width after its transform. */
export function augmentTargets(t: ImageTargets, a: Augmentation, height: number, width: number): ImageTargets {
  if (isIdentity(a)) return t;
  const classes: number[] = [];
  const boxes: number[] = [];
  for (let i = 0; i < t.classes.length; i++) {
    const [cx = 0, cy = 0, w = 0, h = 0] = t.boxes.subarray(i * 4, i * 4 + 4);
    const xs = [mapAxis(cx - w / 2, a.x0, a.x1, width), mapAxis(cx + w / 2, a.x0, a.x1, width)];
    const ys = [mapAxis(cy - h / 2, a.y0, a.y1, height), mapAxis(cy + h / 2, a.y0, a.y1, height)];
    const [u0, u1] = [Math.min(...xs), Math.max(...xs)];
    const [v0, v1] = [Math.min(...ys), Math.max(...ys)];
    const [c0, c1, d0, d1] = [Math.max(0, u0), Math.min(1, u1), Math.max(0, v0), Math.min(1, v1)];
    const area = (u1 - u0) * (v1 - v0);
    const visible = Math.max(0, c1 - c0) * Math.max(0, d1 - d0);
    if (!(area > 0) || visible < MIN_VISIBLE * area) continue;
    classes.push(t.classes[i] ?? 0);
    boxes.push((c0 + c1) / 2, (d0 + d1) / 2, c1 - c0, d1 - d0);
  }
  return { classes: Int32Array.from(classes), boxes: Float32Array.from(boxes) };
}

/**
 * A training batch through random transforms drawn from rng: the images (a new tensor; the caller
 * still owns `images`) and their targets. With augmentation off it draws nothing, so a run without
 * it sees the batches it saw before augmentation existed.
 */
export function augmentBatch(images: tf.Tensor4D, targets: readonly ImageTargets[], rng: () => number, config: AugmentConfig): { images: tf.Tensor4D; targets: ImageTargets[] } {
  if (augmentKind(config) === 'none') return { images: images.clone(), targets: [...targets] };
  const [, H, W] = images.shape;
  const augs = targets.map(() => drawAugmentation(rng, config));
  return { images: augmentImages(images, augs), targets: targets.map((t, i) => augmentTargets(t, augs[i] ?? IDENTITY, H, W)) };
}
