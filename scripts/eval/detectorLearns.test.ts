// "The detector can learn": the `tiny` preset, with its trainable backbone started from the encoder,
// overfits 8 demo images with their true boxes as targets (one class) to class-agnostic COCO AP50
// ≥ 0.9 within a fixed step budget, through the real trainer (Hungarian matching, aux losses,
// AdamW with clipping). A detector that cannot do this cannot pretrain.
//
// It runs on the wasm backend in Node: the same core code as the app, and the parity test
// (src/core/wasmParity.test.ts) holds its loss and gradients to the CPU backend's, which would need
// about ten times as long here. Images are prepared as the app prepares them (scripts/eval/demoSet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detrPreset } from '../../src/core/detrConfig';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from '../../src/core/mobilenetV2';
import { createTrainer, disposeTrainer, trainStep } from '../../src/core/trainer';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { demoAp50, loadDemoFit } from './demoFit';

const IMAGES = 8;
const SIZE = { width: 128, height: 96 }; // the tiny preset's 128 px, the demo's 4:3
/** Steps allowed; AP50 is checked every CHECK_EVERY steps and the run stops once it reaches the bar. */
const STEP_BUDGET = 200;
const CHECK_EVERY = 25;
const TARGET_AP50 = 0.9;

let encoder: MobileNetV2Weights;

beforeAll(async () => {
  await switchBackend('wasm');
  encoder = loadEncoderInNode();
});
afterAll(async () => {
  disposeMobileNetV2Weights(encoder);
  await switchBackend('cpu');
});

describe('the detector can learn', () => {
  it(`overfits ${IMAGES} demo images to AP50 ≥ ${TARGET_AP50} within ${STEP_BUDGET} steps`, async () => {
    const fit = await loadDemoFit(IMAGES, SIZE); // [8, 96, 128, 3]
    const cfg = detrPreset('tiny');
    cfg.numClasses = 1;
    // Overfitting a handful of images wants a higher rate than pretraining's 1e-4; clipping stays.
    cfg.optim = { ...cfg.optim, lr: 2e-3, lrBackbone: 2e-4 };
    const trainer = createTrainer(cfg, encoder);
    const curve: string[] = [];
    let ap = 0;
    let lastLoss = Number.NaN;
    for (let step = 1; step <= STEP_BUDGET && ap < TARGET_AP50; step++) {
      lastLoss = (await trainStep(trainer, fit.images, fit.targets)).loss;
      if (step % CHECK_EVERY === 0) {
        ap = await demoAp50(trainer.model, fit);
        curve.push(`${step}: loss ${lastLoss.toFixed(3)}, AP50 ${ap.toFixed(3)}`);
      }
    }
    console.log(`tiny preset on ${IMAGES} demo images (wasm):\n  ${curve.join('\n  ')}`);
    expect(Number.isFinite(lastLoss)).toBe(true);
    expect(ap).toBeGreaterThanOrEqual(TARGET_AP50);
    fit.images.dispose();
    disposeTrainer(trainer);
  }, 900_000);
});
