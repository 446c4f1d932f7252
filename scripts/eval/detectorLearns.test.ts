// "The detector can learn": the `tiny` preset, with its trainable backbone started from the encoder,
// overfits 8 demo images with their true boxes as targets (one class) to class-agnostic COCO AP50
// ≥ 0.9 within a fixed step budget, through the real trainer (Hungarian matching, aux losses,
// AdamW with clipping). A detector that cannot do this cannot pretrain.
//
// It runs on the wasm backend in Node: the same core code as the app, and the parity test
// (src/core/wasmParity.test.ts) holds its loss and gradients to the CPU backend's, which would need
// about ten times as long here. Images are prepared as the app prepares them (scripts/eval/demoSet).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cocoEvaluate, type CocoEvalDetection } from '../../src/core/cocoEval';
import { detrPreset } from '../../src/core/detrConfig';
import type { ImageTargets } from '../../src/core/matcher';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from '../../src/core/mobilenetV2';
import { rgbaToInput } from '../../src/core/proposalStage';
import { predict } from '../../src/core/trainData';
import { createTrainer, disposeTrainer, trainStep } from '../../src/core/trainer';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { DEMO_DIR, readCoco, readRgba, type EvalEntry } from './demoSet';

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

/** The true boxes as targets: cxcywh relative to the image, all one class. */
function targetsOf(e: EvalEntry): ImageTargets {
  const boxes = e.gts.flatMap(([x0, y0, x1, y1]) => [(x0 + x1) / 2 / e.width, (y0 + y1) / 2 / e.height, (x1 - x0) / e.width, (y1 - y0) / e.height]);
  return { classes: new Int32Array(e.gts.length), boxes: Float32Array.from(boxes) };
}

/** Class-agnostic COCO AP50 of the detector's top-100 predictions, in the training images' pixels. */
async function ap50(trainer: ReturnType<typeof createTrainer>, images: tf.Tensor4D, entries: readonly EvalEntry[]): Promise<number> {
  const dets = await predict(trainer.model, images, { scoreThreshold: 0, nmsIou: 1, maxPerImage: 100 });
  const { width: W, height: H } = SIZE;
  const results: CocoEvalDetection[] = dets.flatMap((d, i) =>
    Array.from(d.scores, (score, j) => {
      const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(j * 4, j * 4 + 4);
      return { image_id: i, category_id: 0, bbox: [(cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H] as const, score };
    }),
  );
  const annotations = entries.flatMap((e, i) =>
    e.gts.map(([x0, y0, x1, y1]) => {
      const [sx, sy] = [W / e.width, H / e.height];
      return { image_id: i, category_id: 0, bbox: [x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy] as const };
    }),
  );
  return cocoEvaluate({ images: entries.map((_, i) => ({ id: i })), annotations }, results, { classAgnostic: true }).ap50;
}

describe('the detector can learn', () => {
  it(`overfits ${IMAGES} demo images to AP50 ≥ ${TARGET_AP50} within ${STEP_BUDGET} steps`, async () => {
    const entries = readCoco(`${DEMO_DIR}/annotations.json`).slice(0, IMAGES);
    const pixels = await Promise.all(entries.map((e) => readRgba(`${DEMO_DIR}/images`, e, SIZE)));
    const images = tf.tidy(() => tf.concat(pixels.map((p) => rgbaToInput(p)), 0)) as tf.Tensor4D; // [8, 96, 128, 3]
    const targets = entries.map(targetsOf);
    const cfg = detrPreset('tiny');
    cfg.numClasses = 1;
    // Overfitting a handful of images wants a higher rate than pretraining's 1e-4; clipping stays.
    cfg.optim = { ...cfg.optim, lr: 2e-3, lrBackbone: 2e-4 };
    const trainer = createTrainer(cfg, encoder);
    const curve: string[] = [];
    let ap = 0;
    let lastLoss = Number.NaN;
    for (let step = 1; step <= STEP_BUDGET && ap < TARGET_AP50; step++) {
      lastLoss = (await trainStep(trainer, images, targets)).loss;
      if (step % CHECK_EVERY === 0) {
        ap = await ap50(trainer, images, entries);
        curve.push(`${step}: loss ${lastLoss.toFixed(3)}, AP50 ${ap.toFixed(3)}`);
      }
    }
    console.log(`tiny preset on ${IMAGES} demo images (wasm):\n  ${curve.join('\n  ')}`);
    expect(Number.isFinite(lastLoss)).toBe(true);
    expect(ap).toBeGreaterThanOrEqual(TARGET_AP50);
    images.dispose();
    disposeTrainer(trainer);
  }, 900_000);
});
