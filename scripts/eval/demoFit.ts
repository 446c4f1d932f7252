// Demo images with their true boxes as training targets, and the class-agnostic AP50 of a detector's
// predictions on them: what "the detector can learn" (detectorLearns.test.ts) and the attention
// comparison (attention.ts) measure. Images are prepared as the app prepares them (demoSet.ts).
import * as tf from '@tensorflow/tfjs';
import { cocoEvaluate, type CocoEvalDetection } from '../../src/core/cocoEval';
import type { DetrModel } from '../../src/core/detr';
import type { ImageTargets } from '../../src/core/matcher';
import { rgbaToInput } from '../../src/core/proposalStage';
import { predict } from '../../src/core/trainData';
import { DEMO_DIR, readCoco, readRgba, type EvalEntry } from './demoSet';

export interface DemoFit {
  entries: EvalEntry[];
  images: tf.Tensor4D; // [N, H, W, 3]
  targets: ImageTargets[];
  size: { width: number; height: number };
}

/** The true boxes as targets: cxcywh relative to the image, all one class. */
function targetsOf(e: EvalEntry): ImageTargets {
  const boxes = e.gts.flatMap(([x0, y0, x1, y1]) => [(x0 + x1) / 2 / e.width, (y0 + y1) / 2 / e.height, (x1 - x0) / e.width, (y1 - y0) / e.height]);
  return { classes: new Int32Array(e.gts.length), boxes: Float32Array.from(boxes) };
}

/** The first `count` demo images at `size`, with their true boxes as one-class targets. */
export async function loadDemoFit(count: number, size: { width: number; height: number }): Promise<DemoFit> {
  const entries = readCoco(`${DEMO_DIR}/annotations.json`).slice(0, count);
  const pixels = await Promise.all(entries.map((e) => readRgba(`${DEMO_DIR}/images`, e, size)));
  const images = tf.tidy(() => tf.concat(pixels.map((p) => rgbaToInput(p)), 0)) as tf.Tensor4D; // [N, H, W, 3]
  return { entries, images, targets: entries.map(targetsOf), size };
}

/** Class-agnostic COCO AP50 of the detector's top-100 predictions on the images, in their pixels. */
export async function demoAp50(model: DetrModel, fit: DemoFit, images: tf.Tensor4D = fit.images, entries: readonly EvalEntry[] = fit.entries): Promise<number> {
  const dets = await predict(model, images, { scoreThreshold: 0, nmsIou: 1, maxPerImage: 100 });
  const { width: W, height: H } = fit.size;
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
