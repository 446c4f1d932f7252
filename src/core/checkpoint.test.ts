// A restored trainer continues exactly where the saved one was: same next loss, same weights.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreTrainer, snapshotTrainer } from './checkpoint';
import { detrPreset } from './detrConfig';
import type { ImageTargets } from './matcher';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { createTrainer, disposeTrainer, evaluateLoss, trainStep } from './trainer';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
});
afterAll(() => disposeMobileNetV2Weights(encoder));

const cfg = { ...detrPreset('tiny'), numClasses: 3, numQueries: 6 };
const targets: ImageTargets[] = [{ classes: Int32Array.from([1]), boxes: Float32Array.from([0.4, 0.5, 0.3, 0.3]) }];

describe('checkpoint', () => {
  it('restores a trainer so that it continues exactly', async () => {
    const images = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const a = createTrainer(cfg, encoder);
    await trainStep(a, images, targets);
    await trainStep(a, images, targets);
    const saved = await snapshotTrainer(a);
    const probeA = await evaluateLoss(a, images, targets);
    const nextA = await trainStep(a, images, targets);

    const b = createTrainer({ ...cfg, seed: 99 }, encoder); // different init: restore must overwrite it all
    restoreTrainer(b, saved);
    expect(b.optimizer.step).toBe(2);
    expect(await evaluateLoss(b, images, targets)).toBeCloseTo(probeA, 6);
    const nextB = await trainStep(b, images, targets);
    expect(nextB.step).toBe(nextA.step);
    expect(nextB.loss).toBeCloseTo(nextA.loss, 5);
    tf.dispose(images);
    disposeTrainer(a);
    disposeTrainer(b);
  });

  it('refuses a snapshot of another shape and changes nothing', async () => {
    const a = createTrainer(cfg, encoder);
    const other = createTrainer({ ...cfg, numClasses: 5 }, encoder);
    const saved = await snapshotTrainer(other);
    const before = await a.variables[a.variables.length - 1]!.data();
    expect(() => restoreTrainer(a, saved)).toThrow(/should have shape/);
    expect(() => restoreTrainer(a, { weights: [] })).toThrow(/expected \d+ weights/);
    expect(await a.variables[a.variables.length - 1]!.data()).toEqual(before);
    expect(a.optimizer.step).toBe(0);
    disposeTrainer(a);
    disposeTrainer(other);
  });
});
