// The run archive: a zip round trip keeps the weights bit-exact and the config equal, and every
// way an imported file can be wrong (cut short, a part missing, a bad header, a bad config field)
// is refused with a message that names the file or the field.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detrPreset } from '../core/detrConfig';
import { readSafetensors, writeSafetensors } from '../core/safetensors';
import { DEFAULT_SELF_TRAINING } from '../core/trainData';
import type { TrainingConfig } from './protocol';
import { buildRunZip, COCO_FILE, CONFIG_FILE, CONFIG_METADATA_KEY, LABEL_STUDIO_FILE, MODEL_FILE, readRunArchive } from './runArchive';
import { parseTrainingConfig } from './trainingConfigSchema';

const config: TrainingConfig = {
  preset: 'tiny', detr: detrPreset('tiny'), stepsPerRound: 4, extraRounds: 0, batchSize: 2,
  selfTraining: DEFAULT_SELF_TRAINING, pinned: ['abc'], checkpointEvery: 5,
};
const weights = writeSafetensors([{ name: 'query_embed.weight', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-7, -0]) }], { step: '4' });
const coco = { images: [{ id: 1, file_name: 'a.jpg', width: 640, height: 480 }], categories: [{ id: 1, name: 'cluster 0' }], annotations: [] };
const zip = () => buildRunZip({ safetensors: weights, config, proposalsCoco: coco, proposalsLabelStudio: [] });

describe('run archive', () => {
  it('round-trips the weights bit-exact and the config equal, with the four named parts', () => {
    const bytes = zip();
    expect(Object.keys(unzipSync(bytes)).sort()).toEqual([CONFIG_FILE, MODEL_FILE, LABEL_STUDIO_FILE, COCO_FILE].sort());
    const run = readRunArchive(bytes, 'run.zip');
    expect(run.config).toEqual(config);
    expect(Array.from(run.safetensors)).toEqual(Array.from(weights));
    expect(run.metadata.step).toBe('4');
    expect(JSON.parse(strFromU8(unzipSync(bytes)[COCO_FILE]!))).toEqual(coco);
  });

  it('refuses a zip cut short, naming the file', () => {
    const bytes = zip();
    expect(() => readRunArchive(bytes.slice(0, Math.floor(bytes.length / 2)), 'cut.zip')).toThrow(/cut\.zip: not a readable zip/);
  });

  it('names the missing part', () => {
    const bytes = zipSync({ [CONFIG_FILE]: strToU8(JSON.stringify(config)) });
    expect(() => readRunArchive(bytes, 'r.zip')).toThrow(/expected a model\.safetensors in the zip, found config\.json/);
    expect(() => readRunArchive(zipSync({ [MODEL_FILE]: weights }), 'r.zip')).toThrow(/expected a config\.json/);
  });

  it('refuses a damaged safetensors header inside the zip', () => {
    const bad = weights.slice();
    bad[0] = 0xff;
    bad[5] = 0xff;
    const bytes = zipSync({ [MODEL_FILE]: bad, [CONFIG_FILE]: strToU8(JSON.stringify(config)) });
    expect(() => readRunArchive(bytes, 'r.zip')).toThrow(/^model\.safetensors: /);
  });

  it('reads a bare .safetensors, with the config from its metadata when it carries one', () => {
    expect(readRunArchive(weights, 'w.safetensors').config).toBeNull();
    const withConfig = writeSafetensors([{ name: 'x', shape: [1], data: Float32Array.from([1]) }], { [CONFIG_METADATA_KEY]: JSON.stringify(config) });
    expect(readRunArchive(withConfig, 'w.safetensors').config).toEqual(config);
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

  it('applies the detector cross-field rules too', () => {
    const c = structuredClone(config);
    c.detr.transformer.numHeads = 3;
    expect(() => parseTrainingConfig(c)).toThrow(/config\.json: detr: .*numHeads/);
  });
});
