// The end-to-end gradient path: a tiny DETR (real encoder weights, trainable backbone, AdamW with
// clipping) overfits ONE image with 2 fixed boxes under a plain L1 + cross-entropy loss written here
// (fixed query → target assignment, no matcher): the loss falls by more than 80% within 150 steps.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, detrForward, detrVariables, disposeDetr, type DetrModel } from './detr';
import { detrPreset } from './detrConfig';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { adamWStep, backboneAndRestGroups, createAdamW, disposeAdamW } from './optim';
import { switchBackend } from '../testing/backends';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;

beforeAll(async () => {
  // The wasm backend: these train for dozens of steps, ~10× faster there than on the CPU backend,
  // with the same loss and gradients (wasmParity.test.ts).
  await switchBackend('wasm');
  encoder = loadEncoderInNode();
});

afterAll(() => disposeMobileNetV2Weights(encoder));

/** Query 0 → class 3 at box A, query 1 → class 5 at box B, every other query → no object (weight 0.1). */
function fixedTargets(q: number, k: number): { onehot: tf.Tensor3D; weight: tf.Tensor2D; boxes: tf.Tensor3D } {
  const onehot = new Float32Array(q * (k + 1));
  const weight = new Float32Array(q);
  for (let i = 0; i < q; i++) {
    onehot[i * (k + 1) + (i === 0 ? 3 : i === 1 ? 5 : k)] = 1;
    weight[i] = i < 2 ? 1 : 0.1;
  }
  return {
    onehot: tf.tensor3d(onehot, [1, q, k + 1]), // [1, Q, K+1]
    weight: tf.tensor2d(weight, [1, q]), // [1, Q]
    boxes: tf.tensor3d([[[0.3, 0.35, 0.3, 0.4], [0.7, 0.6, 0.25, 0.3]]]), // [1, 2, 4] cxcywh
  };
}

/** Weighted cross-entropy + 5 × L1 of the 2 matched boxes, summed over decoder layers (aux losses). */
function loss(model: DetrModel, image: tf.Tensor4D, t: ReturnType<typeof fixedTargets>): tf.Scalar {
  return tf.tidy(() => {
    const { layers } = detrForward(model, image, { training: true });
    const perLayer = layers.map(({ logits, boxes }) => {
      const nll = tf.neg(tf.sum(tf.mul(t.onehot, tf.logSoftmax(logits)), -1)); // [1, Q]
      const ce = tf.div(tf.sum(tf.mul(nll, t.weight)), tf.sum(t.weight));
      const l1 = tf.mean(tf.abs(tf.sub(tf.slice(boxes, [0, 0, 0], [1, 2, 4]), t.boxes)));
      return tf.add(ce, tf.mul(l1, 5));
    });
    return tf.addN(perLayer) as tf.Scalar;
  });
}

describe('overfitting one image', () => {
  it('drives a simple L1 + CE loss down by more than 80% within 150 steps', async () => {
    const cfg = detrPreset('tiny');
    cfg.numClasses = 8;
    // A higher rate than pretraining's 1e-4 so the test stays short; clipping stays at 0.1.
    cfg.optim = { ...cfg.optim, lr: 1e-3, lrBackbone: 1e-4, warmupSteps: 0 };
    const model = buildDetr(cfg, encoder);
    const vars = detrVariables(model);
    const opt = createAdamW(cfg.optim, backboneAndRestGroups(cfg.optim, vars));
    const image = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const targets = fixedTargets(cfg.numQueries, cfg.numClasses);
    const backboneBefore = tf.clone(vars.backbone[0]!);
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      const { value, grads } = tf.variableGrads(() => loss(model, image, targets), [...vars.backbone, ...vars.rest]);
      tf.dispose([adamWStep(opt, grads), grads]);
      losses.push((await value.data())[0] ?? Number.NaN);
      value.dispose();
      if (losses.at(-1)! < 0.2 * losses[0]!) break;
    }
    console.log(`overfit: loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)} in ${losses.length} steps`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.2 * losses[0]!);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(vars.backbone[0]!, backboneBefore))).dataSync()[0])).toBeGreaterThan(0); // the backbone trained
    tf.dispose([image, targets, backboneBefore]);
    disposeAdamW(opt);
    disposeDetr(model);
  });
});
