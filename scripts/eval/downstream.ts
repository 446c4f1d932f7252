// `npm run eval:downstream -- --init <model.safetensors>`: does the pretraining help a detector
// trained on few labels (the paper's first finding, DESIGN §1 stage 5)? The demo's true boxes are
// the labels: a seeded split keeps --train-fraction of the images for fine-tuning and holds out the
// rest. Two detectors fine-tune with the same schedule, seed and batches: (a) initialised from the
// pretrained weights with a fresh class head (the labels' classes are not the pseudo-classes) and
// (b) the same detector not pretrained (backbone from the encoder, the rest at its init). COCO AP and
// AP50 on the held-out images are printed every --eval-every steps; exits 1 unless (a) ends higher.
//
// Runs the app's core code in Node on the wasm backend (src/core/wasmParity.test.ts holds it to the
// CPU backend). Images are prepared as the app prepares them (demoSet.ts), at the preset's input size.
//   tsx scripts/eval/downstream.ts --init runs/demo/model.safetensors [--preset tiny] [--steps 300]
//       [--eval-every 50] [--train-fraction 0.1] [--batch 4] [--lr 5e-4] [--seed 0] [--json out.json]
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cocoEvaluate, type CocoEvalDetection } from '../../src/core/cocoEval';
import { parseCocoDataset } from '../../src/core/cocoFormat';
import { DETR_PRESETS, detrPreset, type DetrPreset } from '../../src/core/detrConfig';
import { loadDetrSafetensors } from '../../src/core/detrNames';
import { rgbaToInput } from '../../src/core/proposalStage';
import { mixSeed, mulberry32 } from '../../src/core/rng';
import { predict } from '../../src/core/trainData';
import { createTrainer, disposeTrainer, trainStep, type Trainer } from '../../src/core/trainer';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { inputSize } from '../../src/worker/trainingImages';
import { DEMO_DIR, readRgba } from './demoSet';
import { splitImages, type LabeledImage } from './downstreamData';

function options() {
  const { values } = parseArgs({
    options: {
      init: { type: 'string' }, preset: { type: 'string', default: 'tiny' }, steps: { type: 'string', default: '300' },
      'eval-every': { type: 'string', default: '50' }, 'train-fraction': { type: 'string', default: '0.1' },
      batch: { type: 'string', default: '4' }, lr: { type: 'string', default: '5e-4' }, seed: { type: 'string', default: '0' }, json: { type: 'string' },
    },
  });
  const num = (name: keyof typeof values, ok: (n: number) => boolean): number => {
    const n = Number(values[name]);
    if (!ok(n)) throw new Error(`--${name}: got ${String(values[name])}, which is out of range`);
    return n;
  };
  if (values.init === undefined) throw new Error('--init <model.safetensors> is required (a pretraining run’s weights, e.g. from npm run pretrain)');
  if (!(values.preset in DETR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(DETR_PRESETS).join(', ')}, got ${values.preset}`);
  return {
    init: values.init, preset: values.preset as DetrPreset, json: values.json,
    steps: num('steps', (n) => Number.isInteger(n) && n > 0), evalEvery: num('eval-every', (n) => Number.isInteger(n) && n > 0),
    trainFraction: num('train-fraction', (n) => n > 0 && n < 1), batch: num('batch', (n) => Number.isInteger(n) && n > 0),
    lr: num('lr', (n) => n > 0 && n < 1), seed: num('seed', Number.isInteger),
  };
}

type Options = ReturnType<typeof options>;

/** Class-aware COCO AP and AP50 on the held-out images, boxes in original pixels. */
async function evaluate(t: Trainer, held: readonly LabeledImage[], images: tf.Tensor4D[]): Promise<{ ap: number; ap50: number }> {
  const results: CocoEvalDetection[] = [];
  for (const [i, batch] of images.entries()) {
    const dets = await predict(t.model, batch, { scoreThreshold: 0, nmsIou: 1, maxPerImage: 100 });
    dets.forEach((d, j) => {
      const im = held[i * 8 + j];
      if (!im) return;
      d.scores.forEach((score, k) => {
        const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(k * 4, k * 4 + 4);
        const bbox = [(cx - w / 2) * im.width, (cy - h / 2) * im.height, w * im.width, h * im.height] as const;
        results.push({ image_id: im.id, category_id: im.categoryIds[d.classes[k] ?? 0] ?? -1, bbox, score });
      });
    });
  }
  const gt = { images: held.map((im) => ({ id: im.id })), annotations: held.flatMap((im) => im.annotations) };
  const m = cocoEvaluate(gt, results);
  return { ap: m.ap, ap50: m.ap50 };
}

async function fineTune(opts: Options, init: 'pretrained' | 'none', data: Awaited<ReturnType<typeof prepare>>): Promise<{ step: number; ap: number; ap50: number; loss: number }[]> {
  const cfg = detrPreset(opts.preset);
  cfg.numClasses = data.numClasses;
  cfg.optim = { ...cfg.optim, lr: opts.lr, lrBackbone: opts.lr / 10 };
  const trainer = createTrainer(cfg, data.encoder);
  if (init === 'pretrained') loadDetrSafetensors(trainer.model, readFileSync(opts.init), { keepFresh: ['class_embed.'] });
  const rng = mulberry32(mixSeed(opts.seed, 11)); // the same batches for both detectors
  const curve = [];
  let loss = Number.NaN;
  for (let step = 1; step <= opts.steps; step++) {
    const pick = Array.from({ length: opts.batch }, () => Math.floor(rng() * data.train.length));
    const batch = tf.tidy(() => tf.concat(pick.map((i) => data.trainImages[i]!), 0)) as tf.Tensor4D;
    loss = (await trainStep(trainer, batch, pick.map((i) => data.train[i]!.targets))).loss;
    batch.dispose();
    if (step % opts.evalEvery === 0 || step === opts.steps) {
      const m = await evaluate(trainer, data.held, data.heldImages);
      curve.push({ step, loss, ...m });
      process.stderr.write(`  ${init.padEnd(10)} step ${String(step).padStart(4)}: loss ${loss.toFixed(3)}, AP ${m.ap.toFixed(3)}, AP50 ${m.ap50.toFixed(3)}\n`);
    }
  }
  disposeTrainer(trainer);
  return curve;
}

async function prepare(opts: Options) {
  const parsed = parseCocoDataset(JSON.parse(readFileSync(`${DEMO_DIR}/annotations.json`, 'utf8')));
  if (!parsed.ok) throw new Error(`demo annotations: ${parsed.errors.join('; ')}`);
  const { train, held, numClasses } = splitImages(parsed.dataset, opts.trainFraction, opts.seed);
  const size = inputSize(DETR_PRESETS[opts.preset].imageSize);
  const tensor = async (im: LabeledImage): Promise<tf.Tensor4D> => rgbaToInput(await readRgba(`${DEMO_DIR}/images`, { file: im.fileName, width: im.width, height: im.height, gts: [] }, size));
  const trainImages = await Promise.all(train.map(tensor));
  const heldSingles = await Promise.all(held.map(tensor));
  const heldImages = Array.from({ length: Math.ceil(held.length / 8) }, (_, i) => tf.concat(heldSingles.slice(i * 8, i * 8 + 8), 0) as tf.Tensor4D);
  tf.dispose(heldSingles);
  return { train, held, numClasses, trainImages, heldImages, encoder: loadEncoderInNode(), size };
}

async function main(): Promise<void> {
  const opts = options();
  await switchBackend('wasm');
  const data = await prepare(opts);
  console.log(`downstream: ${data.train.length} labeled images for fine-tuning, ${data.held.length} held out, ${data.numClasses} classes; ` +
    `${opts.preset} preset at ${data.size.height}×${data.size.width}, ${opts.steps} steps of batch ${opts.batch}, lr ${opts.lr}, seed ${opts.seed}`);
  const pretrained = await fineTune(opts, 'pretrained', data);
  const scratch = await fineTune(opts, 'none', data);
  console.log('step   pretrained AP  AP50    not pretrained AP  AP50');
  pretrained.forEach((p, i) => {
    const s = scratch[i];
    console.log(`${String(p.step).padStart(4)}   ${p.ap.toFixed(3).padStart(13)}  ${p.ap50.toFixed(3)}    ${(s?.ap ?? NaN).toFixed(3).padStart(17)}  ${(s?.ap50 ?? NaN).toFixed(3)}`);
  });
  const [a, b] = [pretrained.at(-1), scratch.at(-1)];
  if (!a || !b) throw new Error('no evaluation ran');
  const helps = a.ap50 > b.ap50 && a.ap > b.ap;
  console.log(`after ${opts.steps} steps: pretrained AP50 ${a.ap50.toFixed(3)} / AP ${a.ap.toFixed(3)}, not pretrained AP50 ${b.ap50.toFixed(3)} / AP ${b.ap.toFixed(3)}: ` +
    (helps ? 'the pretraining helps' : 'the pretraining does NOT help here'));
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, train: data.train.map((t) => t.fileName), pretrained, scratch }, null, 2));
  process.exitCode = helps ? 0 : 1;
}

await main();
