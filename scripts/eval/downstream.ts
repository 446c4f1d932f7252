// `npm run eval:downstream -- --init <model.safetensors>`: does the pretraining help a detector
// trained on few labels (the paper's first finding, DESIGN §1 stage 5)? The demo's true boxes are
// the labels: a seeded split keeps --train-fraction of the images for fine-tuning and holds out the
// rest. Two detectors fine-tune with the same schedule, seed and batches: (a) initialised from the
// pretrained weights with a fresh class head (the labels' classes are not the pseudo-classes) and
// (b) the same detector not pretrained (backbone from the encoder, the rest at its init). COCO AP and
// AP50 on the held-out images are printed every --eval-every steps.
// Each seed is its own split and batches. One split is judged by its end points; several by a
// one-sided sign test (core/signTest.ts): (a) must end higher in AP50 and in AP more often than chance
// allows, p < 0.05 for each, which takes at least 5 splits. Exits 1 unless (a) passes.
// The defaults are the studio's (DEFAULT_DOWNSTREAM: the class and box heads fine-tuned on the frozen
// backbone and transformer) over five splits. With --tune all both detectors memorise the demo's 8
// labeled images and score 0 on the held-out ones.
//
// Runs the studio's own check (src/core/downstream.ts) in Node on the wasm backend (wasmParity.test.ts holds it to the
// CPU backend). Images are prepared as the app prepares them (demoSet.ts), at the preset's input size.
//   tsx scripts/eval/downstream.ts --init runs/demo/model.safetensors [--preset tiny] [--steps 600]
//       [--eval-every 150] [--train-fraction 0.1] [--batch 4] [--lr 1e-3] [--seed 0,1,2,3,4] [--tune heads|all]
//       [--augment flip-crop|flip|crop|none] [--json out.json]
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AUGMENT_KINDS, DETR_AUGMENT, withAugmentKind } from '../../src/core/augment';
import { parseCocoDataset, type CocoDataset } from '../../src/core/cocoFormat';
import { DETR_PRESETS, detrPreset, type DetrPreset } from '../../src/core/detrConfig';
import { DEFAULT_DOWNSTREAM, fineTuneArm, formatMetric, splitImages, type DownstreamImages, type DownstreamPoint, type DownstreamSettings, type LabeledImage } from '../../src/core/downstream';
import type { MobileNetV2Weights } from '../../src/core/mobilenetV2';
import { rgbaToInput } from '../../src/core/proposalStage';
import { readSafetensors } from '../../src/core/safetensors';
import { signTest, type SignTest } from '../../src/core/signTest';
import type { WeightMap } from '../../src/core/weightMap';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { inputSize } from '../../src/worker/trainingImages';
import { DEMO_DIR, readRgba } from './demoSet';

/** The studio's own defaults (the Downstream tab, npm run finetune), over five splits. */
const D = DEFAULT_DOWNSTREAM;

function options() {
  const { values } = parseArgs({
    options: {
      init: { type: 'string' }, preset: { type: 'string', default: 'tiny' }, steps: { type: 'string', default: String(D.steps) },
      'eval-every': { type: 'string', default: String(D.evalEvery) }, 'train-fraction': { type: 'string', default: String(D.trainFraction) },
      batch: { type: 'string', default: String(D.batchSize) }, lr: { type: 'string', default: String(D.lr) }, seed: { type: 'string', default: '0,1,2,3,4' },
      json: { type: 'string' }, tune: { type: 'string', default: D.tune }, augment: { type: 'string', default: 'none' },
    },
  });
  const num = (name: keyof typeof values, ok: (n: number) => boolean): number => {
    const n = Number(values[name]);
    if (!ok(n)) throw new Error(`--${name}: got ${String(values[name])}, which is out of range`);
    return n;
  };
  if (values.init === undefined) throw new Error('--init <model.safetensors> is required (a pretraining run’s weights, e.g. from npm run pretrain)');
  if (!(values.preset in DETR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(DETR_PRESETS).join(', ')}, got ${values.preset}`);
  if (values.tune !== 'all' && values.tune !== 'heads') throw new Error(`--tune: expected all | heads, got ${values.tune}`);
  const augment = AUGMENT_KINDS.find((k) => k === values.augment);
  if (augment === undefined) throw new Error(`--augment: expected ${AUGMENT_KINDS.join(' | ')}, got ${values.augment}`);
  // The seed is per split (below).
  const settings: Omit<DownstreamSettings, 'seed'> = {
    tune: values.tune, augment: withAugmentKind(DETR_AUGMENT, augment),
    steps: num('steps', (n) => Number.isInteger(n) && n > 0), evalEvery: num('eval-every', (n) => Number.isInteger(n) && n > 0),
    trainFraction: num('train-fraction', (n) => n > 0 && n < 1), batchSize: num('batch', (n) => Number.isInteger(n) && n > 0),
    lr: num('lr', (n) => n > 0 && n < 1),
  };
  const seeds = values.seed.split(',').map((v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) throw new Error(`--seed: expected whole numbers separated by commas, got ${values.seed}`);
    return n;
  });
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seed: each seed is one split, so a repeated seed repeats a split: ${values.seed}`);
  return { init: values.init, preset: values.preset as DetrPreset, json: values.json, settings, seeds };
}

type Options = ReturnType<typeof options>;

/** The demo's images at the detector's input size, as the app prepares them (demoSet.ts). */
async function demoImages(train: LabeledImage[], held: LabeledImage[], size: { height: number; width: number }): Promise<DownstreamImages & { dispose(): void }> {
  const load = (im: LabeledImage) => readRgba(`${DEMO_DIR}/images`, { file: im.fileName, width: im.width, height: im.height, gts: [] }, size).then(rgbaToInput);
  const sets = { train: await Promise.all(train.map(load)), held: await Promise.all(held.map(load)) };
  return {
    batch: (set, indices) => tf.tidy(() => tf.concat(indices.map((i) => sets[set][i]!), 0) as tf.Tensor4D),
    dispose: () => tf.dispose([...sets.train, ...sets.held]),
  };
}

const f = formatMetric;
const line = (p: DownstreamPoint) => `loss ${p.loss.toFixed(3)}, held-out AP ${f(p.ap)}, AP50 ${f(p.ap50)}, class-agnostic AP50 ${f(p.agnosticAp50)}`;

/** One split: both arms fine-tuned on its share, evaluated on the rest. */
interface SplitResult { seed: number; train: string[]; pretrained: DownstreamPoint[]; scratch: DownstreamPoint[] }

async function runSplit(opts: Options, data: CocoDataset, init: WeightMap, encoder: MobileNetV2Weights, seed: number): Promise<SplitResult> {
  const s = { ...opts.settings, seed };
  const split = splitImages(data, s.trainFraction, seed);
  const cfg = detrPreset(opts.preset);
  const size = inputSize(cfg.imageSize);
  const images = await demoImages(split.train, split.held, size);
  console.log(`seed ${seed}: ${split.train.length} labeled images for fine-tuning, ${split.held.length} held out, ${split.numClasses} classes; ` +
    `${opts.preset} preset at ${size.height}×${size.width}, ${s.steps} steps of batch ${s.batchSize}, lr ${s.lr}, tune ${s.tune}`);
  const curves: Record<string, DownstreamPoint[]> = {};
  try {
    for (const [arm, weights] of [['pretrained', init], ['none', null]] as const) {
      const result = await fineTuneArm(cfg, encoder, weights, split, images, s, {
        onPoint: (p) => process.stderr.write(`  ${arm.padEnd(10)} step ${String(p.step).padStart(4)}: ${line(p)}\n`),
      });
      curves[arm] = result.curve;
    }
  } finally {
    images.dispose();
  }
  const [pretrained = [], scratch = []] = [curves.pretrained, curves.none];
  console.log('step   pretrained AP  AP50    not pretrained AP  AP50');
  pretrained.forEach((p, i) => {
    const n = scratch[i];
    console.log(`${String(p.step).padStart(4)}   ${f(p.ap).padStart(13)}  ${f(p.ap50).padEnd(7)}  ${f(n?.ap ?? NaN).padStart(17)}  ${f(n?.ap50 ?? NaN)}`);
  });
  return { seed, train: split.train.map((t) => t.fileName), pretrained, scratch };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Did the pretraining help: one split compares its two end points; several run the sign test. */
function verdict(results: readonly SplitResult[]): { helps: boolean; tests: Record<'ap50' | 'ap', SignTest> | null } {
  const ends = results.map((r) => {
    const [a, b] = [r.pretrained.at(-1), r.scratch.at(-1)];
    if (!a || !b) throw new Error(`seed ${r.seed}: no evaluation ran`);
    return { seed: r.seed, a, b };
  });
  for (const { seed, a, b } of ends) {
    console.log(`seed ${seed}, after ${a.step} steps: pretrained AP50 ${f(a.ap50)} / AP ${f(a.ap)}, not pretrained AP50 ${f(b.ap50)} / AP ${f(b.ap)}`);
  }
  if (ends.length === 1) {
    const { a, b } = ends[0]!;
    const helps = a.ap50 > b.ap50 && a.ap > b.ap;
    console.log(helps ? 'the pretraining helps on this split (one split: --seed 0,1,2,3,4 tests it over five)' : 'the pretraining does NOT help here');
    return { helps, tests: null };
  }
  const tests = {
    ap50: signTest(ends.map(({ a, b }) => [a.ap50, b.ap50] as const)),
    ap: signTest(ends.map(({ a, b }) => [a.ap, b.ap] as const)),
  };
  for (const metric of ['ap50', 'ap'] as const) {
    const t = tests[metric];
    const name = metric === 'ap50' ? 'AP50' : 'AP';
    console.log(`${name} over ${ends.length} splits: pretrained higher in ${t.wins}, lower in ${t.losses}, tied in ${t.ties}; ` +
      `one-sided sign test p = ${t.p.toPrecision(3)}; mean ${f(mean(ends.map((e) => e.a[metric])))} against ${f(mean(ends.map((e) => e.b[metric])))}`);
  }
  const helps = tests.ap50.p < 0.05 && tests.ap.p < 0.05;
  const few = ends.length < 5 ? `; ${ends.length} splits cannot reach p < 0.05, 5 can` : '';
  console.log(helps ? 'the pretraining helps: higher in AP50 and AP more often than chance allows (p < 0.05 each)'
    : `the pretraining does NOT help here: not higher in AP50 and AP more often than chance allows (p < 0.05 each${few})`);
  return { helps, tests };
}

async function main(): Promise<void> {
  const opts = options();
  await switchBackend('wasm');
  const parsed = parseCocoDataset(JSON.parse(readFileSync(`${DEMO_DIR}/annotations.json`, 'utf8')));
  if (!parsed.ok) throw new Error(`demo annotations: ${parsed.errors.join('; ')}`);
  const init = readSafetensors(new Uint8Array(readFileSync(opts.init))).tensors;
  const encoder = loadEncoderInNode();
  const results: SplitResult[] = [];
  for (const seed of opts.seeds) results.push(await runSplit(opts, parsed.dataset, init, encoder, seed));
  const { helps, tests } = verdict(results);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, splits: results, signTest: tests, helps }, null, 2));
  process.exitCode = helps ? 0 : 1;
}

await main();
