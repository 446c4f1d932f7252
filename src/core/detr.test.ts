// The whole detector on the real encoder weights (CPU backend, `tiny` preset, small images): output
// shapes of every decoder layer, boxes inside (0, 1), a finite non-zero gradient for every variable
// (backbone included: it is never frozen), seeded init and dropout, padded batches, disposal, and a
// training step (forward + variableGrads + AdamW + disposal) that leaks no tensor.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, detrForward, detrVariables, disposeDetr, type DetrModel } from './detr';
import { detrPreset, type DetrConfig } from './detrConfig';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { adamWStep, backboneAndRestGroups, createAdamW, disposeAdamW } from './optim';
import { loadEncoderInNode } from '../testing/nodeEncoder';

const K = 7;
const config = (edit: (c: DetrConfig) => void = () => {}): DetrConfig => {
  const c = detrPreset('tiny');
  c.numClasses = K; // filled from the pseudo-labels at run time
  edit(c);
  return c;
};

let encoder: MobileNetV2Weights;
let images: tf.Tensor4D; // [2, 64, 96, 3]

const allVariables = (m: DetrModel): tf.Variable[] => Object.values(detrVariables(m)).flat();

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}

/** A loss that touches every output in a non-symmetric way. */
function probeLoss(model: DetrModel, x: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const { layers } = detrForward(model, x, { training: true });
    const terms = layers.map((l, i) => tf.add(tf.mean(tf.square(tf.sub(l.logits, i + 0.5))), tf.mean(tf.abs(tf.sub(l.boxes, 0.3)))));
    return tf.addN(terms) as tf.Scalar;
  });
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

describe('detrForward', () => {
  it('gives logits [B, Q, K+1] and boxes [B, Q, 4] strictly inside (0, 1) for every decoder layer', () => {
    const model = buildDetr(config(), encoder);
    const out = detrForward(model, images, { training: false });
    expect(out.layers).toHaveLength(2);
    for (const { logits, boxes } of out.layers) {
      expect(logits.shape).toEqual([2, 30, K + 1]);
      expect(boxes.shape).toEqual([2, 30, 4]);
      const [lo, hi] = tf.tidy(() => [tf.min(boxes).dataSync()[0]!, tf.max(boxes).dataSync()[0]!]);
      expect(lo).toBeGreaterThan(0);
      expect(hi).toBeLessThan(1);
      expect(tf.tidy(() => tf.all(tf.isFinite(logits)).dataSync()[0])).toBe(1);
    }
    expect(maxDiff(out.layers[0]!.boxes, out.layers[1]!.boxes)).toBeGreaterThan(0);
    tf.dispose(out);
    disposeDetr(model);
  });

  it('gives every variable, backbone included, a finite non-zero gradient', () => {
    const model = buildDetr(config(), encoder);
    const vars = detrVariables(model);
    expect(vars.backbone).toHaveLength(78);
    expect(vars.backbone.every((v) => v.trainable)).toBe(true);
    const { value, grads } = tf.variableGrads(() => probeLoss(model, images), [...vars.backbone, ...vars.rest]);
    const norms = tf.tidy(() => [...vars.backbone, ...vars.rest].map((v) => grads[v.name]?.norm().dataSync()[0] ?? 0));
    const bad = norms.flatMap((n, i) => (Number.isFinite(n) && n > 0 ? [] : [i]));
    expect(bad).toEqual([]);
    tf.dispose([value, grads]);
    disposeDetr(model);
  });

  it('is a function of the seed: same seed, same weights and outputs; another seed, other weights', () => {
    const [a, b, c] = [3, 3, 4].map((seed) => buildDetr(config((cfg) => (cfg.seed = seed)), encoder));
    const va = detrVariables(a!).rest;
    const [vb, vc] = [detrVariables(b!).rest, detrVariables(c!).rest];
    expect(va.every((v, i) => maxDiff(v, vb[i]!) === 0)).toBe(true);
    expect(maxDiff(a!.queryEmbed, c!.queryEmbed)).toBeGreaterThan(0);
    const weights = va.flatMap((v, i) => (v.rank === 2 ? [maxDiff(v, vc[i]!)] : [])); // biases and norms start constant
    expect(weights.length).toBeGreaterThan(20);
    expect(weights.every((d) => d > 0)).toBe(true);
    const [oa, ob] = [a!, b!].map((m) => detrForward(m, images, { training: false }));
    expect(maxDiff(oa!.layers[1]!.logits, ob!.layers[1]!.logits)).toBe(0);
    tf.dispose([oa, ob]);
    [a, b, c].forEach((m) => disposeDetr(m!));
  });

  it('replays dropout from the pass seed, and has none when not training', () => {
    const model = buildDetr(config((cfg) => (cfg.transformer.dropout = 0.1)), encoder);
    const x = tf.slice(images, [0, 0, 0, 0], [1, 32, 32, 3]) as tf.Tensor4D;
    const run = (training: boolean, seed: number) => detrForward(model, x, { training, seed }).layers[1]!.boxes;
    const [a, b, c, e1, e2] = [run(true, 1), run(true, 1), run(true, 2), run(false, 1), run(false, 2)];
    expect(maxDiff(a, b)).toBe(0);
    expect(maxDiff(a, c)).toBeGreaterThan(0);
    expect(maxDiff(e1, e2)).toBe(0);
    tf.dispose([x, a, b, c, e1, e2]);
    disposeDetr(model);
  });

  it('takes padded batches: full sizes change nothing; padding masks tokens; a wrong count is refused', () => {
    const model = buildDetr(config(), encoder);
    const plain = detrForward(model, images, { training: false });
    const full = detrForward(model, images, { training: false, imageSizes: [{ height: 64, width: 96 }, { height: 64, width: 96 }] });
    expect(maxDiff(plain.layers[1]!.logits, full.layers[1]!.logits)).toBe(0);
    const padded = detrForward(model, images, { training: false, imageSizes: [{ height: 64, width: 96 }, { height: 40, width: 50 }] });
    expect(maxDiff(plain.layers[1]!.logits, padded.layers[1]!.logits)).toBeGreaterThan(0);
    const first = (o: typeof plain) => tf.slice(o.layers[1]!.boxes, [0, 0, 0], [1, -1, -1]);
    expect(tf.tidy(() => maxDiff(first(plain), first(padded)))).toBeLessThan(1e-5); // image 0 is not padded
    expect(() => detrForward(model, images, { training: false, imageSizes: [{ height: 64, width: 96 }] })).toThrow(
      /expected 2 imageSizes \(one per image\), got 1/,
    );
    tf.dispose([plain, full, padded]);
    disposeDetr(model);
  });

  it('frees every tensor it made on disposeDetr, and builds a scratch backbone too', () => {
    const before = tf.memory().numTensors;
    const model = buildDetr(config((cfg) => (cfg.backbone.init = 'scratch')), encoder);
    expect(allVariables(model).length).toBeGreaterThan(100);
    disposeDetr(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a training step', () => {
  it('leaks no tensors after one burn-in step (forward + variableGrads + AdamW + disposal)', async () => {
    const cfg = config();
    const model = buildDetr(cfg, encoder);
    const vars = detrVariables(model);
    const opt = createAdamW(cfg.optim, backboneAndRestGroups(cfg.optim, vars));
    const x = tf.slice(images, [0, 0, 0, 0], [2, 32, 48, 3]) as tf.Tensor4D;
    const trainStep = async (): Promise<number> => {
      const { value, grads } = tf.variableGrads(() => probeLoss(model, x), [...vars.backbone, ...vars.rest]);
      const norm = adamWStep(opt, grads);
      const loss = (await value.data())[0] ?? Number.NaN;
      tf.dispose([value, grads, norm]);
      return loss;
    };
    expect(Number.isFinite(await trainStep())).toBe(true);
    const before = tf.memory().numTensors;
    expect(Number.isFinite(await trainStep())).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeAdamW(opt);
    disposeDetr(model);
  });
});
