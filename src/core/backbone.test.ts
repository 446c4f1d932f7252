// The detector's backbone on the real encoder weights (CPU backend): an 'encoder' copy computes what
// the encoder computes, is trainable and independent of it; 'scratch' is He-normal, seeded and not the
// encoder; only the layers that run are variables; no leaks.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneFeatures, buildBackbone, disposeBackbone } from './backbone';
import type { BackboneConfig } from './detrConfig';
import { disposeMobileNetV2Weights, mobileNetV2Features, mobileNetV2Variables, type MobileNetV2Weights } from './mobilenetV2';
import { mulberry32 } from './rng';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;
let images: tf.Tensor4D;

function relativeError(ours: tf.Tensor, reference: tf.Tensor): number {
  return tf.tidy(() => (tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0] ?? NaN) / (tf.max(tf.abs(reference)).dataSync()[0] ?? NaN));
}

const values = (v: tf.Tensor): Float32Array => v.dataSync() as Float32Array;

/** Bitwise-equal contents (toEqual on a million floats takes seconds). */
function same(a: tf.Tensor, b: tf.Tensor): boolean {
  const [x, y] = [values(a), values(b)];
  return x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
  images = tf.randomUniform([2, 64, 96, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
});

afterAll(() => {
  images.dispose();
  disposeMobileNetV2Weights(encoder);
});

describe("backboneInit 'encoder'", () => {
  it.each([
    ['stride16', 136, 78],
    ['stride32', 1792, 104],
  ] as const)('computes the encoder features at %s (%i channels) with %i trainable variables', (featureLevel, channels, count) => {
    const backbone = buildBackbone({ init: 'encoder', featureLevel }, encoder, mulberry32(0));
    expect(backbone.channels).toBe(channels);
    expect(backbone.variables).toHaveLength(count);
    expect(backbone.variables.every((v) => v.trainable)).toBe(true);
    const ours = backboneFeatures(backbone, images);
    const reference = mobileNetV2Features(encoder, images, [featureLevel])[featureLevel];
    const s = backbone.stride;
    expect(ours.shape).toEqual([2, 64 / s, 96 / s, channels]);
    expect(relativeError(ours, reference)).toBeLessThan(1e-5);
    tf.dispose([ours, reference]);
    disposeBackbone(backbone);
  });

  it('copies the encoder values; writing the copy leaves the encoder alone; disposing it frees only the copy', () => {
    const before = tf.memory().numTensors;
    const backbone = buildBackbone({ init: 'encoder', featureLevel: 'stride16' }, encoder, mulberry32(0));
    const source = mobileNetV2Variables(encoder);
    expect(backbone.variables.every((v, i) => same(v, source[i]!))).toBe(true);
    const original = tf.clone(source[0]!);
    tf.tidy(() => backbone.variables[0]!.assign(tf.zerosLike(backbone.variables[0]!)));
    expect(same(source[0]!, original)).toBe(true);
    expect(same(backbone.variables[0]!, original)).toBe(false);
    expect(mobileNetV2Variables(encoder).every((v) => !v.trainable)).toBe(true);
    disposeBackbone(backbone);
    expect(same(source[0]!, original)).toBe(true);
    original.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("backboneInit 'scratch'", () => {
  const cfg: BackboneConfig = { init: 'scratch', featureLevel: 'stride16' };

  it('is He-normal with zero biases, seeded, and not the encoder', () => {
    const a = buildBackbone(cfg, encoder, mulberry32(5));
    const b = buildBackbone(cfg, encoder, mulberry32(5));
    const c = buildBackbone(cfg, encoder, mulberry32(6));
    const source = mobileNetV2Variables(encoder);
    expect(a.variables.map((v) => v.shape)).toEqual(source.slice(0, a.variables.length).map((v) => v.shape));
    expect(a.variables.every((v, i) => same(v, b.variables[i]!))).toBe(true);
    const filters = (x: typeof a) => x.variables.filter((v) => v.rank === 4);
    expect(filters(a).some((v, i) => same(v, filters(c)[i]!))).toBe(false);
    expect(filters(a).some((v, i) => same(v, source.filter((w) => w.rank === 4)[i]!))).toBe(false);
    const biases = a.variables.filter((v) => v.rank === 1);
    expect(biases.every((v) => values(v).every((x) => x === 0))).toBe(true);
    // The biggest 1×1 filter (136 → 816): std √(2 / 136).
    const big = a.variables.find((v) => v.rank === 4 && v.shape[2] === 136 && v.shape[3] === 816)!;
    const { mean, variance } = tf.moments(big);
    expect(mean.dataSync()[0]!).toBeCloseTo(0, 2);
    expect(Math.sqrt(variance.dataSync()[0]!)).toBeCloseTo(Math.sqrt(2 / 136), 2);
    const features = backboneFeatures(a, images);
    const finite = tf.tidy(() => tf.all(tf.isFinite(features)).dataSync()[0]);
    expect(finite).toBe(1);
    tf.dispose([mean, variance, features]);
    [a, b, c].forEach(disposeBackbone);
  });
});

describe('backboneFeatures', () => {
  it('leaks no tensors and refuses images without 3 channels', () => {
    const backbone = buildBackbone({ init: 'encoder', featureLevel: 'stride32' }, encoder, mulberry32(0));
    const small = tf.slice(images, [0, 0, 0, 0], [1, 32, 32, 3]) as tf.Tensor4D;
    backboneFeatures(backbone, small).dispose();
    const before = tf.memory().numTensors;
    backboneFeatures(backbone, small).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const gray = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    expect(() => backboneFeatures(backbone, gray)).toThrow(/expected images of shape \[B, H, W, 3\], got \[1, 32, 32, 1\]/);
    tf.dispose([small, gray]);
    disposeBackbone(backbone);
  });
});
