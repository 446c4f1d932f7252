import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { CocoDataset } from './cocoFormat';
import { detrPreset } from './detrConfig';
import { detrToSafetensors, namedDetrVariables } from './detrNames';
import { DownstreamCancelled, fineTuneArm, formatMetric, matchLabels, splitImages, tuned, type DownstreamImages } from './downstream';
import { DETR_AUGMENT } from './augment';
import { disposeMobileNetV2Weights } from './mobilenetV2';
import { readSafetensors } from './safetensors';
import { createTrainer, disposeTrainer, trainStep } from './trainer';
import { switchBackend } from '../testing/backends';
import { loadEncoderInNode } from '../testing/nodeEncoder';

const data: CocoDataset = {
  images: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, file_name: `im${i + 1}.jpg`, width: 200, height: 100 })),
  categories: [{ id: 7, name: 'b' }, { id: 3, name: 'a' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 7, bbox: [20, 10, 40, 20], area: 800, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 3, bbox: [0, 0, 200, 100], area: 20000, iscrowd: 1 },
    { id: 3, image_id: 2, category_id: 3, bbox: [100, 50, 100, 50], area: 5000, iscrowd: 0 },
  ],
};

describe('splitImages', () => {
  it('keeps ceil(fraction · N) images to train, the rest held out, disjoint and complete', () => {
    const s = splitImages(data, 0.1, 0);
    expect(s.train).toHaveLength(2);
    expect(s.held).toHaveLength(18);
    const ids = [...s.train, ...s.held].map((im) => im.id).sort((a, b) => a - b);
    expect(ids).toEqual(data.images.map((im) => im.id));
    expect(s.numClasses).toBe(2);
  });

  it('is the same split for the same seed and another for another seed', () => {
    const ids = (seed: number) => splitImages(data, 0.25, seed).train.map((im) => im.id);
    expect(ids(4)).toEqual(ids(4));
    expect(ids(4)).not.toEqual(ids(5));
  });

  it('makes cxcywh targets in [0, 1] with class indices in category-id order, crowd boxes left out', () => {
    const s = splitImages(data, 0.5, 1);
    const im1 = [...s.train, ...s.held].find((im) => im.id === 1)!;
    expect(Array.from(im1.targets.classes)).toEqual([1]); // category 7 is index 1 (ids sorted: 3, 7)
    expect(Array.from(im1.targets.boxes)).toEqual([0.2, 0.2, 0.2, 0.2].map(Math.fround));
    expect(im1.annotations).toHaveLength(2); // the crowd box stays for evaluation
    expect(im1.categoryIds).toEqual([3, 7]);
  });

  it('trains on at least one image and holds out at least one', () => {
    expect(splitImages(data, 0.001, 0).train).toHaveLength(1);
    expect(splitImages(data, 0.999, 0).held).toHaveLength(1);
    expect(() => splitImages({ ...data, images: data.images.slice(0, 1) }, 0.5, 0)).toThrow(/at least 2/);
  });
});

describe('matchLabels', () => {
  const labels = (names: string[]): CocoDataset => ({
    images: names.map((file_name, i) => ({ id: i + 1, file_name, width: 10, height: 10 })),
    categories: [{ id: 1, name: 'a' }],
    annotations: names.map((_, i) => ({ id: i + 1, image_id: i + 1, category_id: 1, bbox: [1, 1, 2, 2], area: 4, iscrowd: 0 })),
  });

  it('finds images by path, by the end of the path, or by a file name only one image has', () => {
    const paths = ['photos/a/x.jpg', 'photos/b/x.jpg', 'photos/b/y.jpg', 'z.png'];
    const m = matchLabels(labels(['photos/a/x.jpg', 'b/x.jpg', 'other/root/y.jpg', './z.png', 'gone.jpg']), paths);
    expect([...m.imageOf]).toEqual([[1, 0], [2, 1], [3, 2], [4, 3]]);
    expect(m.missing).toEqual(['gone.jpg']);
    expect(m.dataset.images.map((im) => im.id)).toEqual([1, 2, 3, 4]);
    expect(m.dataset.annotations.map((a) => a.image_id)).toEqual([1, 2, 3, 4]);
  });

  it('does not guess between two images of the same name', () => {
    expect(() => matchLabels(labels(['x.jpg']), ['a/x.jpg', 'b/x.jpg'])).toThrow(/none of the 1 labeled images is in the dataset \(the first is "x.jpg"\)/);
  });

  it('refuses two labeled images on one dataset image, naming both', () => {
    expect(() => matchLabels(labels(['a/x.jpg', 'x.jpg']), ['a/x.jpg'])).toThrow(/"a\/x.jpg" and "x.jpg" both name the dataset image "a\/x.jpg"/);
  });
});

describe('fineTuneArm', () => {
  it('fine-tunes from pretrained weights of other classes, evaluates on schedule, boxes in the image, no leaks', async () => {
    await switchBackend('wasm');
    const encoder = loadEncoderInNode();
    const cfg = { ...detrPreset('tiny'), imageSize: 64, numQueries: 5 };
    const source = createTrainer({ ...cfg, numClasses: 4, seed: 3 }, encoder);
    const pretrained = readSafetensors(await detrToSafetensors(source.model, {})).tensors;
    disposeTrainer(source);
    const split = splitImages(data, 0.1, 0);
    const pixels = tf.randomUniform([1, 64, 80, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const images: DownstreamImages = { batch: (_, idx) => tf.tidy(() => tf.concat(idx.map(() => pixels), 0) as tf.Tensor4D) };
    const settings = { trainFraction: 0.1, steps: 3, evalEvery: 2, batchSize: 2, lr: 1e-3, seed: 0, tune: 'all' as const, augment: DETR_AUGMENT };
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const arm = await fineTuneArm(cfg, encoder, pretrained, split, images, settings, {
      onPoint: (p) => seen.push(p.step),
      isCancelled: () => false,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(arm.arm).toBe('pretrained');
    expect(seen).toEqual([2, 3]);
    expect(arm.curve.map((p) => p.step)).toEqual([2, 3]);
    for (const p of arm.curve) for (const v of [p.loss, p.ap, p.ap50, p.ar100, p.agnosticAp50]) expect(Number.isFinite(v)).toBe(true);
    expect(arm.detections).toHaveLength(split.held.length * 5); // every query, no threshold
    for (const d of arm.detections) {
      expect([3, 7]).toContain(d.category_id);
      const im = split.held.find((h) => h.id === d.image_id)!;
      expect(d.bbox[0]).toBeGreaterThanOrEqual(0);
      expect(d.bbox[0] + d.bbox[2]).toBeLessThanOrEqual(im.width + 1e-9);
      expect(d.bbox[1] + d.bbox[3]).toBeLessThanOrEqual(im.height + 1e-9);
    }

    await expect(fineTuneArm(cfg, encoder, null, split, images, settings, { isCancelled: () => true })).rejects.toThrow(DownstreamCancelled);
    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
    disposeMobileNetV2Weights(encoder);
  }, 120_000);
});

describe('tuned', () => {
  it("'heads' trains the class and box heads only; 'all' trains everything", async () => {
    await switchBackend('wasm');
    const encoder = loadEncoderInNode();
    const t = createTrainer({ ...detrPreset('tiny'), imageSize: 64, numQueries: 5, numClasses: 3 }, encoder);
    const images = tf.randomUniform([2, 64, 80, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const targets = [0, 1].map(() => ({ classes: Int32Array.of(1), boxes: Float32Array.of(0.5, 0.5, 0.3, 0.3) }));
    const snapshot = () => new Map(namedDetrVariables(t.model).map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
    const changed = (before: Map<string, Float32Array>) =>
      namedDetrVariables(t.model).filter(([n, v]) => v.dataSync().some((x, i) => x !== before.get(n)![i])).map(([n]) => n);

    let before = snapshot();
    await trainStep(tuned(t, 'heads'), images, targets);
    const moved = changed(before);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.filter((n) => !n.startsWith('class_embed.') && !n.startsWith('bbox_embed.'))).toEqual([]);
    expect(moved.some((n) => n.startsWith('class_embed.')) && moved.some((n) => n.startsWith('bbox_embed.'))).toBe(true);

    before = snapshot();
    await trainStep(tuned(t, 'all'), images, targets);
    expect(changed(before).some((n) => n.startsWith('transformer.')) && changed(before).some((n) => n.startsWith('backbone.'))).toBe(true);
    images.dispose();
    disposeTrainer(t);
    disposeMobileNetV2Weights(encoder);
  }, 60_000);
});

describe('formatMetric', () => {
  it('keeps small values readable', () => {
    expect([0, 0.5, 0.01234, 0.0057, 0.00023].map(formatMetric)).toEqual(['0.000', '0.500', '0.012', '0.0057', '0.00023']);
  });
});
