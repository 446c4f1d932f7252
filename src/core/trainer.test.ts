// The training step end to end on the CPU backend: the loss falls on a toy set with Hungarian
// matching and aux losses, a step leaks no tensors, and a non-finite loss is caught, never trained on.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detrPreset, type DetrConfig } from './detrConfig';
import type { ImageTargets } from './matcher';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { ADD_N_MAX } from './addAll';
import { profileTrainStep } from './stepProfile';
import { createTrainer, disposeTrainer, NonFiniteLossError, trainStep } from './trainer';
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

function toyConfig(): DetrConfig {
  const cfg = detrPreset('tiny');
  cfg.numClasses = 3;
  cfg.numQueries = 8;
  // A short schedule needs a higher rate than pretraining's 1e-4; clipping stays at 0.1.
  cfg.optim = { ...cfg.optim, lr: 1e-3, lrBackbone: 1e-4, warmupSteps: 0 };
  return cfg;
}

const TARGETS: ImageTargets[] = [
  { classes: Int32Array.from([0, 2]), boxes: Float32Array.from([0.3, 0.3, 0.3, 0.4, 0.7, 0.65, 0.3, 0.4]) },
  { classes: Int32Array.from([1]), boxes: Float32Array.from([0.5, 0.5, 0.5, 0.5]) },
];

describe('trainStep', () => {
  it('drives the set-prediction loss down on a toy set', async () => {
    const t = createTrainer(toyConfig(), encoder);
    const images = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = await trainStep(t, images, TARGETS);
      expect(s.step).toBe(i + 1);
      expect(s.matchMs).toBeLessThanOrEqual(s.stepMs);
      losses.push(s.loss);
    }
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    console.log(`toy set: loss ${first.toFixed(3)} → ${last.toFixed(3)} in ${losses.length} steps`);
    expect(last).toBeLessThan(0.5 * first);
    images.dispose();
    disposeTrainer(t);
  });

  it('leaks no tensor per step after a burn-in step, and disposes everything at the end', async () => {
    const before = tf.memory().numTensors;
    const t = createTrainer(toyConfig(), encoder);
    const images = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    await trainStep(t, images, TARGETS);
    const afterBurnIn = tf.memory().numTensors;
    await trainStep(t, images, TARGETS);
    await trainStep(t, images, [TARGETS[0]!, { classes: new Int32Array(0), boxes: new Float32Array(0) }]);
    expect(tf.memory().numTensors).toBe(afterBurnIn);
    images.dispose();
    disposeTrainer(t);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses non-finite predictions and a non-finite loss with a clear error', async () => {
    const t = createTrainer(toyConfig(), encoder);
    const images = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    // A NaN target…
    const nanTarget: ImageTargets = { classes: Int32Array.from([0]), boxes: Float32Array.from([0.5, 0.5, 0.2, Number.NaN]) };
    const first = await trainStep(t, images, [nanTarget]).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(NonFiniteLossError);
    expect(String(first)).toMatch(/not finite at step/);
    // …and a diverged weight poisons the predictions themselves.
    const head = t.model.classHead.weight;
    head.assign(tf.fill(head.shape, Number.NaN));
    const second = await trainStep(t, images, TARGETS.slice(0, 1)).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(NonFiniteLossError);
    images.dispose();
    disposeTrainer(t);
  });

  // A WebGPU shader binds at most 8 storage buffers unless the device asks for more, and tfjs asks
  // for no more: a kernel with more inputs gets an invalid pipeline, and WebGPU drops the whole
  // command buffer it was batched in without an exception (the studio then trains on garbage).
  // tfjs's WebGPU Concat and Pack split their inputs themselves; every other kernel must stay within.
  it.each(['dense', 'deformable'] as const)('runs no kernel with more than ADD_N_MAX inputs in a %s step', async (attention) => {
    const cfg = toyConfig();
    cfg.transformer.attention = attention;
    const t = createTrainer(cfg, encoder);
    const images = tf.randomUniform([2, 64, 96, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const profile = await tf.profile(async () => {
      await trainStep(t, images, TARGETS);
    });
    const widest = profile.kernels.filter((k) => k.name !== 'Concat' && k.name !== 'Pack').sort((a, b) => b.inputShapes.length - a.inputShapes.length)[0];
    expect(profile.kernels.length).toBeGreaterThan(100);
    expect(widest?.inputShapes.length, `${widest?.name} has ${widest?.inputShapes.length} inputs`).toBeLessThanOrEqual(ADD_N_MAX);
    images.dispose();
    disposeTrainer(t);
  });

  it('profileTrainStep trains one step and counts the kernels it launched, with no GPU time off WebGPU', async () => {
    const t = createTrainer(toyConfig(), encoder);
    const images = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const p = await profileTrainStep(t, images, TARGETS);
    expect(t.optimizer.step).toBe(1);
    expect(p.kernels).toBeGreaterThan(500);
    expect(p.gpuBusyMs).toBeNull();
    expect(p.stepMs).toBeGreaterThan(0);
    images.dispose();
    disposeTrainer(t);
  });
});
