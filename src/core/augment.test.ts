// Augmentation: pixels and boxes move together. A white rectangle on black is augmented with random
// transforms, and the lit pixels must lie where augmentTargets puts its box, to a pixel.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUGMENT_KINDS, augmentBatch, augmentImages, augmentKind, augmentTargets, DETR_AUGMENT, drawAugmentation, IDENTITY, MIN_VISIBLE, NO_AUGMENT, withAugmentKind } from './augment';
import type { ImageTargets } from './matcher';
import { mulberry32 } from './rng';
import { switchBackend } from '../testing/backends';

beforeAll(async () => {
  await switchBackend('cpu');
});
afterAll(async () => {
  await switchBackend('cpu');
});

const H = 24;
const W = 32;

/** [1, H, W, 3]: 1 inside pixel rectangle [x0, x1) × [y0, y1), 0 elsewhere; and its target. */
function rectangle(x0: number, y0: number, x1: number, y1: number): { image: tf.Tensor4D; target: ImageTargets } {
  const data = new Float32Array(H * W * 3);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.fill(1, (y * W + x) * 3, (y * W + x) * 3 + 3);
  const target = { classes: Int32Array.of(7), boxes: Float32Array.of((x0 + x1) / 2 / W, (y0 + y1) / 2 / H, (x1 - x0) / W, (y1 - y0) / H) };
  return { image: tf.tensor4d(data, [1, H, W, 3]), target };
}

/** Pixel bounds [x0, y0, x1, y1) of the pixels brighter than 1/2 in the first channel. */
async function litBounds(image: tf.Tensor4D): Promise<number[]> {
  const v = await image.data();
  let [x0, y0, x1, y1] = [W, H, 0, 0];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if ((v[(y * W + x) * 3] ?? 0) > 0.5) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
    }
  }
  return [x0, y0, x1, y1];
}

describe('augmentation', () => {
  it('leaves pixels and targets alone under the identity, and mirrors exactly as flipLeftRight', async () => {
    const { image, target } = rectangle(3, 4, 11, 9);
    const same = augmentImages(image, [IDENTITY]);
    expect(Array.from(await same.data())).toEqual(Array.from(await image.data()));
    expect(augmentTargets(target, IDENTITY, H, W)).toBe(target);

    const mirror = { ...IDENTITY, x0: 1, x1: 0 };
    const flipped = augmentImages(image, [mirror]);
    expect(Array.from(await flipped.data())).toEqual(Array.from(await tf.image.flipLeftRight(image).data()));
    const t = augmentTargets(target, mirror, H, W);
    expect(Array.from(t.boxes)).toEqual(Array.from(Float32Array.of(1 - 7 / W, 6.5 / H, 8 / W, 5 / H)));
    expect(Array.from(t.classes)).toEqual([7]);
    tf.dispose([image, same, flipped]);
  });

  it('puts each box where its pixels went, for random crops and flips', async () => {
    const rng = mulberry32(11);
    let checked = 0;
    for (let trial = 0; trial < 40; trial++) {
      const x0 = Math.floor(rng() * 20);
      const y0 = Math.floor(rng() * 14);
      const { image, target } = rectangle(x0, y0, x0 + 6 + Math.floor(rng() * 6), y0 + 5 + Math.floor(rng() * 5));
      const aug = drawAugmentation(rng, { flip: true, cropMinScale: 0.4 });
      const out = augmentImages(image, [aug]);
      const t = augmentTargets(target, aug, H, W);
      if (t.classes.length === 1) {
        const [cx = 0, cy = 0, w = 0, h = 0] = t.boxes;
        const expected = [(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H];
        const lit = await litBounds(out);
        // Bilinear sampling lights a pixel whose centre is within half a source pixel (up to 1.25
        // output pixels at the strongest zoom) of the rectangle.
        lit.forEach((v, i) => expect(Math.abs(v - (expected[i] ?? NaN)), `trial ${trial}, bound ${i}`).toBeLessThanOrEqual(1.3));
        checked++;
      }
      tf.dispose([image, out]);
    }
    expect(checked).toBeGreaterThan(30);
  });

  it(`drops a box with less than ${MIN_VISIBLE} of its area left in the crop, and clips the others`, () => {
    // Box 1 spans x in [0.2, 0.45], box 2 x in [0.5, 1].
    const t: ImageTargets = { classes: Int32Array.of(1, 2), boxes: Float32Array.of(0.325, 0.5, 0.25, 0.2, 0.75, 0.5, 0.5, 0.2) };
    // Keep the right 60%, from the centre of pixel 0.4·(W−1) to the last: x = 0.45 of the input
    // lands at 3/W of the crop, so 22% of box 1 stays (dropped) and 99% of box 2 (clipped at 1).
    const out = augmentTargets(t, { y0: 0, x0: 0.4, y1: 1, x1: 1 }, H, W);
    expect(Array.from(out.classes)).toEqual([2]);
    const [cx = 0, cy = 0, w = 0, h = 0] = out.boxes;
    expect(cx - w / 2).toBeCloseTo(((0.5 * W - 0.5 - 0.4 * (W - 1)) / 0.6 + 0.5) / W, 6);
    expect(cx + w / 2).toBeCloseTo(1, 6);
    expect([cy, h]).toEqual([0.5, Math.fround(0.2)]);
  });

  it('draws the same transforms from the same seed, and none with augmentation off', () => {
    const draw = (seed: number, cfg = DETR_AUGMENT) => Array.from({ length: 8 }, ((rng) => () => drawAugmentation(rng, cfg))(mulberry32(seed)));
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
    expect(draw(5, NO_AUGMENT).every((a) => a.x0 === 0 && a.x1 === 1 && a.y0 === 0 && a.y1 === 1)).toBe(true);
    // Off, a batch draws nothing: the stream goes on as if there were no augmentation.
    const [rng, fresh] = [mulberry32(9), mulberry32(9)];
    const x = tf.zeros([2, H, W, 3]) as tf.Tensor4D;
    const out = augmentBatch(x, [rectangle(1, 1, 5, 5).target, rectangle(2, 2, 6, 6).target], rng, NO_AUGMENT);
    expect(rng()).toBe(fresh());
    tf.dispose([x, out.images]);
    const flips = Array.from({ length: 400 }, ((rng) => () => drawAugmentation(rng, DETR_AUGMENT))(mulberry32(1))).filter((a) => a.x0 > a.x1).length;
    expect(flips).toBeGreaterThan(160);
    expect(flips).toBeLessThan(240);
  });

  it('gives the wasm backend the CPU backend’s pixels for a batch, without leaking', async () => {
    const images = tf.randomUniform([3, H, W, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const targets = [0, 1, 2].map(() => rectangle(2, 2, 12, 10).target);
    const pixels = async (backend: 'cpu' | 'wasm') => {
      await switchBackend(backend);
      const x = tf.tensor4d(await images.data(), images.shape);
      const before = tf.memory().numTensors;
      const out = augmentBatch(x, targets, mulberry32(3), { flip: true, cropMinScale: 0.5 });
      const data = await out.images.data();
      out.images.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      return { data, targets: out.targets };
    };
    const cpu = await pixels('cpu');
    const wasm = await pixels('wasm');
    expect(wasm.targets).toEqual(cpu.targets);
    const diff = Math.max(...Array.from(cpu.data, (v, i) => Math.abs(v - (wasm.data[i] ?? NaN))));
    expect(diff).toBeLessThan(1e-5);
    images.dispose();
  });
});

describe('augmentation choice', () => {
  it('reads each kind back as itself', () => {
    expect(augmentKind(DETR_AUGMENT)).toBe('flip-crop');
    expect(augmentKind(NO_AUGMENT)).toBe('none');
    for (const kind of AUGMENT_KINDS) expect(augmentKind(withAugmentKind(DETR_AUGMENT, kind))).toBe(kind);
  });

  it('keeps a crop scale already set, and gives the default one when crops come back', () => {
    const imported = { flip: false, cropMinScale: 0.3 };
    expect(withAugmentKind(imported, 'flip-crop')).toEqual({ flip: true, cropMinScale: 0.3 });
    expect(withAugmentKind(withAugmentKind(imported, 'flip'), 'crop')).toEqual({ flip: false, cropMinScale: DETR_AUGMENT.cropMinScale });
  });
});
