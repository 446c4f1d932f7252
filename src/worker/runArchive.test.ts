// The run archive: a zip round trip keeps the weights bit-exact in both forms, the config, the
// metrics and the labels equal, and every way an imported file can be wrong (cut short, a part or a
// shard missing, a bad header, the two weight files disagreeing, a bad config field or metrics
// line) is refused with a message that names the file or the field.
import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { detrPreset } from '../core/detrConfig';
import { readSafetensors, writeSafetensors } from '../core/safetensors';
import { writeTfjsWeights, type TfjsWeightsFiles } from '../core/tfjsWeights';
import { DETR_AUGMENT, NO_AUGMENT } from '../core/augment';
import { DEFAULT_SELF_TRAINING } from '../core/trainData';
import type { StepReport, TrainingConfig } from './protocol';
import { buildRunZip, CONFIG_FILE, CONFIG_METADATA_KEY, MODEL_FILE, OPTIMIZER_FILE, readRunArchive, type RunArchiveParts } from './runArchive';
import { parseTrainingConfig } from './trainingConfigSchema';

const config: TrainingConfig = {
  preset: 'tiny', detr: detrPreset('tiny'), stepsPerRound: 4, extraRounds: 0, batchSize: 2,
  augment: DETR_AUGMENT, classShare: 1, selfTraining: DEFAULT_SELF_TRAINING, pinned: ['abc'], checkpointEvery: 5,
};
const values = Float32Array.from([1, -2, 3.5, 0, 1e-7, -0]);
const weights = writeSafetensors([{ name: 'query_embed.weight', shape: [2, 3], data: values }], { step: '4' });
const optimizer = writeSafetensors([{ name: 'query_embed.weight.exp_avg', shape: [2, 3], data: values }], { step: '4' });
const coco = { images: [{ id: 1, file_name: 'a.jpg', width: 640, height: 480 }], categories: [{ id: 1, name: 'cluster 0' }], annotations: [] };
const metrics: StepReport[] = [1, 2].map((step) => ({ step, round: 0, loss: 3 / step, class: 1, l1: 0.5, giou: 0.25, lr: 1e-4, gradNorm: 2, stepMs: 40, matchMs: 9 }));
let tfjs: TfjsWeightsFiles;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const t = tf.tensor(values, [2, 3]);
  tfjs = await writeTfjsWeights([{ name: 'query_embed.weight', tensor: t }], { step: '4' }, { generatedBy: 'test', shardBytes: 16 });
  t.dispose();
});

const parts = (): RunArchiveParts => ({
  safetensors: weights, tfjs, optimizer, config, metrics, labels: new Map<string, unknown>([['proposals.coco.json', coco], ['proposals.labelstudio.json', []]]),
});
const zip = () => buildRunZip(parts());
/** The archive's files, with some replaced or (undefined) removed. */
function rezip(changes: Record<string, Uint8Array | undefined>): Uint8Array {
  const files = { ...unzipSync(zip()), ...changes };
  return zipSync(Object.fromEntries(Object.entries(files).filter((e): e is [string, Uint8Array] => e[1] !== undefined)));
}

describe('run archive', () => {
  it('round-trips weights bit-exact, config, metrics and labels, with every part named', async () => {
    const bytes = zip();
    expect(Object.keys(unzipSync(bytes)).sort()).toEqual([
      CONFIG_FILE, 'group1-shard1of2.bin', 'group1-shard2of2.bin', 'metrics.jsonl', 'model.json', MODEL_FILE, OPTIMIZER_FILE,
      'proposals.coco.json', 'proposals.labelstudio.json',
    ]);
    const run = await readRunArchive(bytes, 'run.zip');
    expect(run.config).toEqual(config);
    expect(Array.from(run.weights.get('query_embed.weight')!.data)).toEqual(Array.from(values));
    expect(Object.is(run.weights.get('query_embed.weight')!.data[5], -0)).toBe(true);
    expect(run.metadata.step).toBe('4');
    expect(run.metrics).toEqual(metrics);
    expect(run.optimizer?.tensors.get('query_embed.weight.exp_avg')?.shape).toEqual([2, 3]);
    expect(JSON.parse(strFromU8(unzipSync(bytes)['proposals.coco.json']!))).toEqual(coco);
    expect(strFromU8(unzipSync(bytes)['metrics.jsonl']!).split('\n')[0]).toBe(
      '{"step":1,"round":0,"loss":3,"loss_class":1,"loss_l1":0.5,"loss_giou":0.25,"lr":0.0001,"grad_norm":2,"step_ms":40,"match_ms":9}',
    );
  });

  it('reads the weights from model.json and its shards alone, and from model.safetensors alone', async () => {
    const tfjsOnly = await readRunArchive(rezip({ [MODEL_FILE]: undefined }), 'r.zip');
    expect(Array.from(tfjsOnly.weights.get('query_embed.weight')!.data)).toEqual(Array.from(values));
    expect(tfjsOnly.metadata.step).toBe('4');
    const stOnly = await readRunArchive(rezip({ 'model.json': undefined, 'group1-shard1of2.bin': undefined, 'group1-shard2of2.bin': undefined }), 'r.zip');
    expect(stOnly.weights.get('query_embed.weight')?.shape).toEqual([2, 3]);
    const bare = await readRunArchive(rezip({ [OPTIMIZER_FILE]: undefined, 'metrics.jsonl': undefined }), 'r.zip');
    expect([bare.optimizer, bare.metrics]).toEqual([null, null]);
  });

  it('refuses a zip cut short, naming the file', async () => {
    const bytes = zip();
    await expect(readRunArchive(bytes.slice(0, Math.floor(bytes.length / 2)), 'cut.zip')).rejects.toThrow(/cut\.zip: not a readable zip/);
  });

  it('names the missing part', async () => {
    const bytes = zipSync({ [CONFIG_FILE]: strToU8(JSON.stringify(config)) });
    await expect(readRunArchive(bytes, 'r.zip')).rejects.toThrow(/r\.zip: expected the weights in the zip \(model\.safetensors, or model\.json and its shards\), found config\.json/);
    await expect(readRunArchive(zipSync({ [MODEL_FILE]: weights }), 'r.zip')).rejects.toThrow(/expected a config\.json/);
    await expect(readRunArchive(rezip({ 'group1-shard2of2.bin': undefined }), 'r.zip')).rejects.toThrow(/model\.json: weightsManifest\[0\]\.paths\[1\]: expected a shard "group1-shard2of2\.bin"/);
  });

  it('refuses a damaged safetensors header, optimizer file or metrics line inside the zip', async () => {
    const bad = weights.slice();
    bad[0] = 0xff;
    bad[5] = 0xff;
    await expect(readRunArchive(rezip({ [MODEL_FILE]: bad }), 'r.zip')).rejects.toThrow(/^model\.safetensors: /);
    await expect(readRunArchive(rezip({ [OPTIMIZER_FILE]: optimizer.subarray(0, optimizer.length - 3) }), 'r.zip')).rejects.toThrow(/^optimizer\.safetensors: .*truncated/);
    const lines = strToU8('{"step":1,"round":0,"loss":1,"loss_class":1,"loss_l1":1,"loss_giou":1,"lr":1,"grad_norm":1,"step_ms":1,"match_ms":1}\n{"step":2}\n');
    await expect(readRunArchive(rezip({ 'metrics.jsonl': lines }), 'r.zip')).rejects.toThrow(/^metrics\.jsonl: line 2: round: /);
  });

  it('reads each round\'s pseudo-labels back, validated, and names a damaged one', async () => {
    const withRounds = buildRunZip({ ...parts(), labels: new Map<string, unknown>([['pseudo_labels.round0.coco.json', coco], ['pseudo_labels.round2.coco.json', coco], ['proposals.coco.json', coco]]) });
    const run = await readRunArchive(withRounds, 'run.zip');
    expect([...run.rounds.keys()].sort()).toEqual([0, 2]);
    expect(run.rounds.get(2)).toEqual(coco);
    expect((await readRunArchive(zip(), 'run.zip')).rounds.size).toBe(0);
    const broken = strToU8(JSON.stringify({ ...coco, images: [{ id: 1, file_name: 'a.jpg', width: -5, height: 480 }] }));
    const damaged = zipSync({ ...unzipSync(withRounds), 'pseudo_labels.round2.coco.json': broken });
    await expect(readRunArchive(damaged, 'r.zip')).rejects.toThrow(/^pseudo_labels\.round2\.coco\.json: images\[0\]\.width/);
  });

  it('refuses a zip whose two weight files disagree', async () => {
    const other = Float32Array.from(values);
    other[2] = 3.4999998;
    const st = writeSafetensors([{ name: 'query_embed.weight', shape: [2, 3], data: other }], { step: '4' });
    await expect(readRunArchive(rezip({ [MODEL_FILE]: st }), 'r.zip')).rejects.toThrow(
      /r\.zip: model\.safetensors and model\.json hold different weights: query_embed\.weight: value 2 differs/,
    );
  });

  it('reads a bare .safetensors, with the config from its metadata when it carries one', async () => {
    expect((await readRunArchive(weights, 'w.safetensors')).config).toBeNull();
    const withConfig = writeSafetensors([{ name: 'x', shape: [1], data: Float32Array.from([1]) }], { [CONFIG_METADATA_KEY]: JSON.stringify(config) });
    expect((await readRunArchive(withConfig, 'w.safetensors')).config).toEqual(config);
    expect(readSafetensors(withConfig).tensors.get('x')?.shape).toEqual([1]);
  });
});

describe('parseTrainingConfig', () => {
  it('accepts every preset as the app makes it', () => {
    for (const preset of ['tiny', 'laptop', 'paper'] as const) {
      const c = { ...config, preset, detr: detrPreset(preset) };
      expect(parseTrainingConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    }
  });

  it('names the bad field and what came', () => {
    const bad = structuredClone(config) as unknown as { detr: { transformer: { dModel: unknown } } };
    bad.detr.transformer.dModel = '64';
    expect(() => parseTrainingConfig(bad)).toThrow(/config\.json: detr\.transformer\.dModel: .*"64"/);
    expect(() => parseTrainingConfig({ ...config, stepsPerRound: 0 })).toThrow(/stepsPerRound/);
    expect(() => parseTrainingConfig({ ...config, preset: 'huge' })).toThrow(/preset/);
    expect(() => parseTrainingConfig(null)).toThrow(/config\.json: \(the whole config\)/);
  });

  it('reads a run saved before augmentation existed as trained without it, and checks the field', () => {
    const older: Partial<TrainingConfig> = structuredClone(config);
    delete older.augment;
    expect(parseTrainingConfig(older).augment).toEqual(NO_AUGMENT);
    expect(() => parseTrainingConfig({ ...config, augment: { flip: 'yes', cropMinScale: 0.5 } })).toThrow(/augment\.flip/);
    expect(() => parseTrainingConfig({ ...config, augment: { flip: true, cropMinScale: 0 } })).toThrow(/augment\.cropMinScale/);
  });

  it('applies the detector cross-field rules too', () => {
    const c = structuredClone(config);
    c.detr.transformer.numHeads = 3;
    expect(() => parseTrainingConfig(c)).toThrow(/config\.json: detr: .*numHeads/);
  });
});
