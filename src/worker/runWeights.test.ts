// Export → zip → import → one more step equals one more step without exporting: the same loss and
// the same weights bit for bit, because AdamW's moments travel in optimizer.safetensors. Without
// them the weights after that step differ (so the comparison can fail). A damaged or inconsistent
// import is refused before the trainer changes.
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detrPreset } from '../core/detrConfig';
import type { ImageTargets } from '../core/matcher';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from '../core/mobilenetV2';
import { readSafetensors, writeSafetensors } from '../core/safetensors';
import { DETR_AUGMENT } from '../core/augment';
import { DEFAULT_SELF_TRAINING } from '../core/trainData';
import { createTrainer, disposeTrainer, trainStep, type Trainer } from '../core/trainer';
import { loadEncoderInNode } from '../testing/nodeEncoder';
import type { TrainingConfig } from './protocol';
import { buildRunZip, MODEL_FILE, OPTIMIZER_FILE, readRunArchive } from './runArchive';
import { loadImportedRun, runWeightFiles } from './runWeights';

let encoder: MobileNetV2Weights;
let images: tf.Tensor4D;
let other: tf.Tensor4D;

const config: TrainingConfig = {
  preset: 'tiny', detr: { ...detrPreset('tiny'), numQueries: 6 }, stepsPerRound: 10, extraRounds: 0, batchSize: 1,
  augment: DETR_AUGMENT, classShare: 1, selfTraining: DEFAULT_SELF_TRAINING, pinned: [], checkpointEvery: 5,
};
const detr = { ...config.detr, numClasses: 3 };
const targets: ImageTargets[] = [{ classes: Int32Array.from([1, 2]), boxes: Float32Array.from([0.4, 0.5, 0.3, 0.3, 0.7, 0.3, 0.2, 0.4]) }];

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
  images = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  other = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
});
afterAll(() => {
  tf.dispose([images, other]);
  disposeMobileNetV2Weights(encoder);
});

const read = (t: Trainer): Promise<Float32Array[]> => Promise.all(t.variables.map((v) => v.data<'float32'>()));
/** Indices of the variables whose bits differ. */
function differing(x: readonly Float32Array[], y: readonly Float32Array[]): number[] {
  const bits = (a: Float32Array | undefined) => (a === undefined ? new Uint32Array(0) : new Uint32Array(a.buffer, a.byteOffset, a.length));
  return x.map((_, i) => i).filter((i) => {
    const [p, q] = [bits(x[i]), bits(y[i])];
    return p.length !== q.length || p.some((v, j) => v !== q[j]);
  });
}

/** A trainer whose weights, moments and step all differ from the exported one's, to be overwritten. */
async function elsewhere(): Promise<Trainer> {
  const t = createTrainer({ ...detr, seed: detr.seed + 1 }, encoder);
  await trainStep(t, other, targets);
  return t;
}

function without(files: Record<string, Uint8Array>, name: string): Record<string, Uint8Array> {
  if (files[name] === undefined) throw new Error(`the export has no ${name}`);
  return Object.fromEntries(Object.entries(files).filter(([n]) => n !== name));
}

async function exportedZip(t: Trainer): Promise<Uint8Array> {
  const files = await runWeightFiles(t, { step: String(t.optimizer.step), round: '0' }, 'test');
  return buildRunZip({ ...files, config, metrics: [], labels: new Map() });
}

describe('run weights', () => {
  it('resumes exactly: same next loss and same weights after one more step', async () => {
    const a = createTrainer(detr, encoder);
    for (let i = 0; i < 3; i++) await trainStep(a, images, targets);
    const zip = await exportedZip(a);
    const run = await readRunArchive(zip, 'run.zip');
    const b = await elsewhere();
    expect(loadImportedRun(b, run, 3)).toEqual({ optimizerRestored: true });
    expect(b.optimizer.step).toBe(3);
    expect(differing(await read(a), await read(b))).toEqual([]);

    const c = await elsewhere(); // the same file without its optimizer state
    // An empty optimizer.safetensors is damage, not absence.
    await expect(readRunArchive(zipSync({ ...unzipSync(zip), [OPTIMIZER_FILE]: new Uint8Array(0) }), 'x.zip')).rejects.toThrow(/^optimizer\.safetensors: .*at least 8 bytes/);
    expect(loadImportedRun(c, await readRunArchive(zipSync(without(unzipSync(zip), OPTIMIZER_FILE)), 'w.zip'), 3)).toEqual({ optimizerRestored: false });

    const [nextA, nextB, nextC] = [await trainStep(a, images, targets), await trainStep(b, images, targets), await trainStep(c, images, targets)];
    expect(nextB.step).toBe(4);
    expect(nextB.loss).toBe(nextA.loss);
    expect(nextB.terms).toEqual(nextA.terms);
    const [wa, wb, wc] = [await read(a), await read(b), await read(c)];
    expect(differing(wa, wb)).toEqual([]);
    expect(nextC.loss).toBe(nextA.loss); // same weights before the step…
    expect(differing(wa, wc).length).toBeGreaterThan(wa.length / 2); // …but restarted moments move them elsewhere
    [a, b, c].forEach(disposeTrainer);
  });

  it('loads from the tfjs files alone to the same weights', async () => {
    const a = createTrainer(detr, encoder);
    await trainStep(a, images, targets);
    const tfjsOnly = without(unzipSync(await exportedZip(a)), MODEL_FILE);
    const b = await elsewhere();
    loadImportedRun(b, await readRunArchive(zipSync(tfjsOnly), 'tfjs.zip'), 1);
    expect(differing(await read(a), await read(b))).toEqual([]);
    [a, b].forEach(disposeTrainer);
  });

  it('refuses mismatched shapes, missing moments and another step, changing nothing', async () => {
    const a = createTrainer(detr, encoder);
    await trainStep(a, images, targets);
    const files = unzipSync(await exportedZip(a));
    const b = await elsewhere();
    const before = await read(b);
    const refuse = async (changes: Record<string, Uint8Array>, step: number, message: RegExp) => {
      const run = await readRunArchive(zipSync({ ...files, ...changes }), 'r.zip');
      expect(() => loadImportedRun(b, run, step)).toThrow(message);
      expect(differing(before, await read(b))).toEqual([]);
      expect(b.optimizer.step).toBe(1);
    };
    await refuse({}, 2, /optimizer\.safetensors: its step is 1, the weights' is 2/);

    const opt = readSafetensors(files[OPTIMIZER_FILE]!);
    const entries = [...opt.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    const dropped = writeSafetensors(entries.filter((e) => e.name !== 'query_embed.weight.exp_avg_sq'), opt.metadata);
    await refuse({ [OPTIMIZER_FILE]: dropped }, 1, /optimizer\.safetensors: the optimiser state does not fit this model \(1 problems\): query_embed\.weight\.exp_avg_sq: missing/);
    const reshaped = writeSafetensors(entries.map((e) => (e.name === 'query_embed.weight.exp_avg' ? { ...e, shape: [...e.shape].reverse() } : e)), opt.metadata);
    await refuse({ [OPTIMIZER_FILE]: reshaped }, 1, /query_embed\.weight\.exp_avg: expected shape \[6, 64\], got \[64, 6\]/);

    // model.json with two dimensions swapped: the bytes still add up, the shapes do not fit.
    const json = JSON.parse(new TextDecoder().decode(files['model.json'])) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    const spec = json.weightsManifest[0]!.weights.find((w) => w.name === 'class_embed.weight')!;
    spec.shape.reverse();
    const tfjsOnly = without(files, MODEL_FILE);
    const run = await readRunArchive(zipSync({ ...tfjsOnly, 'model.json': strToU8(JSON.stringify(json)) }), 'r.zip');
    expect(() => loadImportedRun(b, run, 1)).toThrow(/detr weights do not fit this model \(1 problems\): class_embed\.weight: expected shape \[64, 4\], got \[4, 64\]/);
    expect(differing(before, await read(b))).toEqual([]);
    [a, b].forEach(disposeTrainer);
  });
});
