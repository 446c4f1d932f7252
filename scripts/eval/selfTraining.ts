// `npm run eval:selftrain`: does pretraining on the proposals give better proposals? (ingredient iii)
// The detector trains on a demo run's round-0 pseudo-labels the way the studio's worker does (the
// batches drawn from the seed and the step, the same trainer and criterion) and, at each --eval-at
// step, its boxes are scored class-agnostic against the demo's true boxes:
//   - round 1's proposals: its predictions through the self-training filter (threshold 0.5, NMS,
//     at most 30 per image), which the next round trains on;
//   - predictions: its top 100 per image, what predictions.json holds;
// beside the run's round-0 proposals and pseudo-labels. Each attention ('dense', 'deformable')
// trains with the same seed, batches and steps; each reports ms per step, the step's efficiency
// against a large matMul on the same backend (DESIGN §7), tensors after 1 and N steps, and one
// profiled step's kernel count (and, on WebGPU, the GPU's busy time in it).
// Node, the app's core code; --backend webgpu runs tfjs's WebGPU backend on Dawn (src/testing/backends.ts).
//   npm run pretrain -- --demo --preset tiny --steps 20 --rounds 0 --out runs/r0     (the studio's round 0)
//   npm run eval:selftrain -- --run runs/r0 [--preset laptop] [--attention dense,deformable]
//       [--steps 600] [--eval-at 150,300,600|none] [--batch 4] [--lr 1e-4] [--seed 0]
//       [--backend wasm|cpu|webgpu] [--budget-s S] [--json out.json] [--log steps.jsonl] [--augment flip-crop|flip|crop|none]
//       [--class-share 1]: keep the pseudo-labels of that share of the pseudo-classes, picked as the worker picks them
//       (core/classSelection.ts); a run's file already holds the share that run trained on
import * as tf from '@tensorflow/tfjs';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { augmentBatch, AUGMENT_KINDS, DETR_AUGMENT, withAugmentKind } from '../../src/core/augment';
import { bestClasses } from '../../src/core/classSelection';
import { cocoEvaluate, type CocoEvalDetection } from '../../src/core/cocoEval';
import { DETR_PRESETS, detrPreset, type DetrConfig, type DetrPreset } from '../../src/core/detrConfig';
import { detrTrainStepFlops } from '../../src/core/flops';
import type { ImageTargets } from '../../src/core/matcher';
import { rgbaToInput } from '../../src/core/proposalStage';
import { mixSeed, mulberry32 } from '../../src/core/rng';
import { DEFAULT_SELF_TRAINING, predict, type Detections, type SelfTrainingFilter } from '../../src/core/trainData';
import { matmulGflops, profileTrainStep, type StepProfile } from '../../src/core/stepProfile';
import { createTrainer, disposeTrainer, trainStep, type Trainer } from '../../src/core/trainer';
import { checkWebGpuErrors, switchBackend, webGpuAdapterName, type NodeBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { inputSize } from '../../src/worker/trainingImages';
import { OUTPUT_FILES, scoredClasses, type CocoFileResult } from '../pretrain/outputs';
import { readResultsFile } from '../pretrain/resultsFile';
import { DEMO_DIR, readCoco, readRgba, type EvalEntry } from './demoSet';

type Attention = 'dense' | 'deformable';
const ATTENTIONS: readonly Attention[] = ['dense', 'deformable'];
const BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu', 'webgpu'];
/** What predictions.json holds (scripts/pretrain/plan.ts). */
const TOP_100: SelfTrainingFilter = { scoreThreshold: 0, nmsIou: DEFAULT_SELF_TRAINING.nmsIou, maxPerImage: 100 };

function options() {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' }, preset: { type: 'string', default: 'laptop' }, attention: { type: 'string', default: 'dense,deformable' },
      steps: { type: 'string', default: '600' }, 'eval-at': { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' },
      seed: { type: 'string', default: '0' }, backend: { type: 'string', default: 'wasm' }, 'budget-s': { type: 'string' }, json: { type: 'string' },
      log: { type: 'string' }, augment: { type: 'string', default: 'none' }, 'class-share': { type: 'string', default: '1' },
    },
  });
  if (!values.run) throw new Error('--run: the output folder of `npm run pretrain -- --demo …` (its proposals.json and pseudo_labels_round0.json)');
  if (!(values.preset in DETR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(DETR_PRESETS).join(', ')}, got ${values.preset}`);
  if (!BACKENDS.includes(values.backend as NodeBackend)) throw new Error(`--backend: expected one of ${BACKENDS.join(', ')}, got ${values.backend}`);
  const attentions = values.attention.split(',');
  const bad = attentions.find((a) => !ATTENTIONS.includes(a as Attention));
  if (bad !== undefined) throw new Error(`--attention: expected dense, deformable or both (comma-separated), got ${bad}`);
  const num = (name: string, v: string | undefined, ok: (n: number) => boolean): number => {
    const n = Number(v);
    if (!ok(n)) throw new Error(`--${name}: got ${String(v)}, which is out of range`);
    return n;
  };
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  const preset = values.preset as DetrPreset;
  const steps = num('steps', values.steps, positiveInt);
  const augment = AUGMENT_KINDS.find((k) => k === values.augment);
  if (augment === undefined) throw new Error(`--augment: expected ${AUGMENT_KINDS.join(' | ')}, got ${values.augment}`);
  // 'none' times the steps alone; by default the detector is scored at a quarter, half and the end.
  const evalAt = values['eval-at'] === 'none' ? [] : (values['eval-at'] ?? [steps / 4, steps / 2, steps].map(Math.round).join(','))
    .split(',').map((v) => num('eval-at', v, (n) => positiveInt(n) && n <= steps));
  return {
    run: values.run, preset, attentions: attentions as Attention[], steps, evalAt: [...new Set(evalAt)].sort((a, b) => a - b),
    batch: values.batch === undefined ? (preset === 'tiny' ? 2 : 4) : num('batch', values.batch, positiveInt),
    lr: values.lr === undefined ? null : num('lr', values.lr, (n) => n > 0 && n < 1),
    seed: num('seed', values.seed, Number.isInteger), backend: values.backend as NodeBackend,
    budgetS: values['budget-s'] === undefined ? Infinity : num('budget-s', values['budget-s'], (n) => n > 0),
    json: values.json, log: values.log, augment: withAugmentKind(DETR_AUGMENT, augment),
    classShare: num('class-share', values['class-share'], (n) => n > 0 && n <= 1),
  };
}

type Options = ReturnType<typeof options>;

interface RoundZero {
  entries: EvalEntry[];
  targets: ImageTargets[];
  K: number;
  /** Class-agnostic AP50 of the run's round-0 files. */
  ap50: { proposals: number; pseudoLabels: number };
}

const gtOf = (entries: readonly EvalEntry[]) => ({
  images: entries.map((_, i) => ({ id: i })),
  annotations: entries.flatMap((e, i) => e.gts.map(([x0, y0, x1, y1]) => ({ image_id: i, category_id: 0, bbox: [x0, y0, x1 - x0, y1 - y0] as const }))),
});

function ap50OfFile(entries: readonly EvalEntry[], rows: readonly CocoFileResult[]): number {
  const index = new Map(entries.map((e, i) => [e.file, i]));
  const results: CocoEvalDetection[] = rows.map((r) => ({ image_id: index.get(r.file_name) ?? -1, category_id: 0, bbox: r.bbox, score: r.score }));
  return cocoEvaluate(gtOf(entries), results, { classAgnostic: true }).ap50;
}

/**
 * The run's round-0 pseudo-labels as targets (cxcywh in [0, 1]), of the best `classShare` of its
 * pseudo-classes by mean proposal score (as the worker picks them), and what its round-0 files score.
 */
function readRoundZero(run: string, classShare: number): RoundZero {
  const entries = readCoco(join(DEMO_DIR, 'annotations.json'));
  const sizes = new Map(entries.map((e) => [e.file, { width: e.width, height: e.height }]));
  // The runner's own format check: a list of COCO results, boxes inside their images.
  const read = (file: string) => readResultsFile(join(run, file), sizes);
  const proposals = read(OUTPUT_FILES.proposals);
  const kept = bestClasses([scoredClasses(proposals)], classShare);
  const labels = read(OUTPUT_FILES.pseudoLabels(0)).filter((r) => kept.has(r.category_id));
  const stray = labels.find((r) => !sizes.has(r.file_name));
  if (stray) throw new Error(`${run}/${OUTPUT_FILES.pseudoLabels(0)}: ${stray.file_name} is not a demo image; --run takes a --demo run`);
  const targets = entries.map((e): ImageTargets => {
    const mine = labels.filter((r) => r.file_name === e.file);
    return {
      classes: Int32Array.from(mine, (r) => r.category_id),
      boxes: Float32Array.from(mine.flatMap(({ bbox: [x, y, w, h] }) => [(x + w / 2) / e.width, (y + h / 2) / e.height, w / e.width, h / e.height])),
    };
  });
  const K = 1 + Math.max(...proposals.map((r) => r.category_id));
  return { entries, targets, K, ap50: { proposals: ap50OfFile(entries, proposals), pseudoLabels: ap50OfFile(entries, labels) } };
}

/** Class-agnostic AP50 of detections (cxcywh in [0, 1]) in the original pixels. */
function ap50OfDetections(entries: readonly EvalEntry[], dets: readonly Detections[]): number {
  const results: CocoEvalDetection[] = dets.flatMap((d, i) => {
    const { width: W, height: H } = entries[i] ?? { width: 0, height: 0 };
    return Array.from(d.scores, (score, j) => {
      const [cx = 0, cy = 0, w = 0, h = 0] = d.boxes.subarray(j * 4, j * 4 + 4);
      return { image_id: i, category_id: 0, bbox: [(cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H] as const, score };
    });
  });
  return cocoEvaluate(gtOf(entries), results, { classAgnostic: true }).ap50;
}

interface Point { step: number; loss: number; round1Ap50: number; round1Boxes: number; predictionsAp50: number; msPerStep: number; seconds: number }
interface Arm {
  attention: Attention; steps: number; points: Point[]; losses: number[]; msPerStep: number; efficiency: number; stepGflop: number;
  /** Share of a step spent in the Hungarian solves on the host. */
  solveShare: number;
  tensors: [number, number];
  /** One more step under tf.profile. */
  profile: StepProfile | null;
}

async function detectAll(trainer: Trainer, images: readonly tf.Tensor4D[], filter: SelfTrainingFilter, batch: number): Promise<Detections[]> {
  const out: Detections[] = [];
  for (let i = 0; i < images.length; i += batch) {
    const x = tf.concat(images.slice(i, i + batch), 0); // [b, H, W, 3]
    out.push(...(await predict(trainer.model, x, filter)));
    x.dispose();
  }
  return out;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function train(opts: Options, attention: Attention, cfg: DetrConfig, r0: RoundZero, images: readonly tf.Tensor4D[], matMulFlops: number, save: (partial: Arm) => void): Promise<Arm> {
  const trainer = createTrainer({ ...cfg, transformer: { ...cfg.transformer, attention } }, loadEncoderInNode());
  const size = inputSize(cfg.imageSize);
  const stepFlops = detrTrainStepFlops(trainer.model, opts.batch, size.height, size.width);
  const points: Point[] = [];
  const losses: number[] = [];
  const stepMs: number[] = [];
  const solveShare: number[] = [];
  const tensors: [number, number] = [0, 0];
  let profile: Arm['profile'] = null;
  const start = performance.now();
  let trainSeconds = 0;
  let step = 0;
  while (step < opts.steps) {
    // The worker's batch for this step (trainingSession.ts): it depends only on the seed and the step.
    const rng = mulberry32(mixSeed(cfg.seed, step + 1));
    const pick = Array.from({ length: Math.min(opts.batch, images.length) }, () => Math.floor(rng() * images.length));
    const x = tf.concat(pick.map((i) => images[i]!), 0); // [B, H, W, 3]
    const batch = augmentBatch(x, pick.map((i) => r0.targets[i]!), rng, opts.augment);
    x.dispose();
    const s = await trainStep(trainer, batch.images, batch.targets);
    batch.images.dispose();
    checkWebGpuErrors();
    step = s.step;
    losses.push(s.loss);
    stepMs.push(s.stepMs);
    solveShare.push(s.solveMs / s.stepMs);
    trainSeconds += s.stepMs / 1000;
    if (step === 1) tensors[0] = tf.memory().numTensors;
    tensors[1] = tf.memory().numTensors;
    if (opts.log) appendFileSync(opts.log, `${JSON.stringify({ attention, step, loss: s.loss, ...s.terms, lr: s.lr, stepMs: s.stepMs, matchMs: s.matchMs })}\n`);
    const outOfTime = (performance.now() - start) / 1000 > opts.budgetS;
    if (opts.evalAt.includes(step) || outOfTime) {
      const round1 = await detectAll(trainer, images, DEFAULT_SELF_TRAINING, opts.batch);
      const top100 = await detectAll(trainer, images, TOP_100, opts.batch);
      checkWebGpuErrors();
      const recent = losses.slice(-Math.max(1, Math.floor(step / 10)));
      const point: Point = {
        step, loss: recent.reduce((a, b) => a + b, 0) / recent.length, round1Ap50: ap50OfDetections(r0.entries, round1),
        round1Boxes: round1.reduce((n, d) => n + d.scores.length, 0), predictionsAp50: ap50OfDetections(r0.entries, top100),
        msPerStep: median(stepMs), seconds: trainSeconds,
      };
      points.push(point);
      save(summary());
      process.stderr.write(`  ${attention.padEnd(10)} step ${String(step).padStart(5)}: loss ${point.loss.toFixed(3)} (mean of the last ${recent.length}), round-1 AP50 ${pct(point.round1Ap50)} (${point.round1Boxes} boxes), predictions AP50 ${pct(point.predictionsAp50)}, ${point.msPerStep.toFixed(0)} ms/step\n`);
    }
    if (outOfTime) {
      process.stderr.write(`  ${attention}: the --budget-s of ${opts.budgetS} s ran out at step ${step}\n`);
      break;
    }
  }
  const x = tf.concat(images.slice(0, opts.batch), 0); // [B, H, W, 3]
  profile = await profileTrainStep(trainer, x, r0.targets.slice(0, opts.batch));
  x.dispose();
  disposeTrainer(trainer);
  return summary();

  function summary(): Arm {
    const msPerStep = median(stepMs);
    return {
      attention, steps: step, points, losses, msPerStep, stepGflop: stepFlops / 1e9,
      efficiency: stepFlops / (msPerStep / 1000) / matMulFlops, solveShare: median(solveShare), tensors, profile,
    };
  }
}

const pct = (v: number) => (v * 100).toFixed(2);

/** Mean loss over each tenth of the run: "falls steadily" is read off these. */
function lossByTenths(losses: readonly number[]): number[] {
  const n = Math.max(1, Math.floor(losses.length / 10));
  const out: number[] = [];
  for (let i = 0; i + n <= losses.length; i += n) out.push(losses.slice(i, i + n).reduce((a, b) => a + b, 0) / n);
  return out;
}

async function main(): Promise<void> {
  const opts = options();
  await switchBackend(opts.backend);
  const adapter = await webGpuAdapterName();
  const r0 = readRoundZero(opts.run, opts.classShare);
  const cfg = detrPreset(opts.preset);
  cfg.numClasses = r0.K;
  cfg.seed = opts.seed;
  if (opts.lr !== null) cfg.optim = { ...cfg.optim, lr: opts.lr, lrBackbone: opts.lr / 10 };
  const size = inputSize(cfg.imageSize);
  const images = await Promise.all(r0.entries.map(async (e) => rgbaToInput(await readRgba(join(DEMO_DIR, 'images'), e, size)))); // N × [1, H, W, 3]
  const matMulFlops = (await matmulGflops(opts.backend === 'cpu' ? 256 : 1024, opts.backend === 'cpu' ? 3 : 8)) * 1e9; // as the training bench
  console.log(`selftrain: ${opts.preset} at ${size.height}×${size.width}, K ${r0.K}, batch ${opts.batch}, ${opts.steps} steps, lr ${cfg.optim.lr}, seed ${opts.seed}, augment ${JSON.stringify(opts.augment)}, ${tf.getBackend()}${adapter ? ` (${adapter})` : ''}; matMul ${(matMulFlops / 1e9).toFixed(1)} GFLOP/s`);
  console.log(`round 0: proposals AP50 ${pct(r0.ap50.proposals)}, pseudo-labels AP50 ${pct(r0.ap50.pseudoLabels)} (${r0.targets.reduce((n, t) => n + t.classes.length, 0)} boxes of ${pct(opts.classShare)}% of the pseudo-classes)`);
  const arms: Arm[] = [];
  // Written at every evaluation, so a run cut short keeps what it measured.
  const save = (partial: Arm) => {
    if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: { ...opts, budgetS: String(opts.budgetS) }, backend: tf.getBackend(), adapter, matMulGflops: matMulFlops / 1e9, roundZero: r0.ap50, arms: [...arms, partial] }));
  };
  for (const attention of opts.attentions) arms.push(await train(opts, attention, cfg, r0, images, matMulFlops, save));
  console.log(' attention    step   loss   round-1 AP50  boxes  predictions AP50');
  for (const a of arms) for (const p of a.points) console.log(`${a.attention.padEnd(10)} ${String(p.step).padStart(6)} ${p.loss.toFixed(3).padStart(6)} ${pct(p.round1Ap50).padStart(14)} ${String(p.round1Boxes).padStart(6)} ${pct(p.predictionsAp50).padStart(17)}`);
  for (const a of arms) {
    console.log(`${a.attention}: ${a.msPerStep.toFixed(0)} ms/step, ${a.stepGflop.toFixed(1)} GFLOP/step, efficiency ${a.efficiency.toFixed(3)}, Hungarian share ${a.solveShare.toFixed(3)}, tensors ${a.tensors[0]} → ${a.tensors[1]}`);
    const p = a.profile;
    if (p) console.log(`  a profiled step: ${p.kernels} kernels launched${p.gpuBusyMs === null ? '' : `, the GPU busy ${p.gpuBusyMs.toFixed(0)} ms of ${p.stepMs.toFixed(0)} ms (${(1 - p.gpuBusyMs / p.stepMs).toFixed(2)} of the step outside GPU work)`}`);
    console.log(`  loss by tenths of the run: ${lossByTenths(a.losses).map((v) => v.toFixed(3)).join(' → ')}`);
    const last = a.points.at(-1);
    if (last) console.log(`  round 1 ${last.round1Ap50 > r0.ap50.proposals ? 'beats' : 'does not beat'} round 0 at AP50: ${pct(last.round1Ap50)} vs ${pct(r0.ap50.proposals)} (step ${last.step})`);
  }
  images.forEach((x) => x.dispose());
}

await main();
