// What a headless run does, settled before the browser starts: the preset's training config (the
// studio's own defaults), a JSON config file over it, then the command-line flags over both. The
// file is read as unknown and checked field by field; the detector and proposal parts go through
// the core validators, so a headless run accepts exactly what the studio accepts.
//
// Config file (every field optional):
//   { "preset": "tiny", "seed": 0, "stepsPerRound": 100, "extraRounds": 1, "batchSize": 2,
//     "checkpointEvery": 5, "cacheSize": 128, "augment": { "flip": true, "cropMinScale": 0.5 }, "classShare": 0.25,
//     "selfTraining": { "scoreThreshold": 0.5, "nmsIou": 0.7, "maxPerImage": 30 },
//     "predictions":  { "scoreThreshold": 0, "nmsIou": 0.7, "maxPerImage": 100 },
//     "detr": { …fields of DetrConfig over the preset… }, "proposals": { …fields of ProposalConfig… } }

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MIN_CROP_SCALE, type AugmentConfig } from '../../src/core/augment';
import { detrPreset, validateDetrConfig, type DetrPreset } from '../../src/core/detrConfig';
import { DEFAULT_PROPOSAL_CONFIG, validateProposalConfig, type ProposalConfig } from '../../src/core/proposalConfig';
import type { SelfTrainingFilter } from '../../src/core/trainData';
import { defaultTrainingConfig } from '../../src/store/trainingSlice';
import type { BackendPreference, TrainingConfig } from '../../src/worker/protocol';
import type { Options } from './options';

export interface RunPlan {
  source: { kind: 'demo' } | { kind: 'folder'; path: string };
  preset: DetrPreset;
  seed: number;
  backend: BackendPreference;
  /** Short side of the studio's cached copies (?cacheSize=): the detector's input size by default. */
  cacheSize: number;
  proposals: ProposalConfig;
  training: TrainingConfig;
  /** How the final detector's outputs become predictions.json (COCO keeps at most 100 per image). */
  predictions: SelfTrainingFilter;
}

const FILE_FIELDS = ['preset', 'seed', 'stepsPerRound', 'extraRounds', 'batchSize', 'checkpointEvery', 'cacheSize', 'augment', 'classShare', 'selfTraining', 'predictions', 'detr', 'proposals'];

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function wholeField(where: string, v: unknown, lo: number, hi: number): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return v;
  throw new Error(`${where}: expected a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
}

function filterField(where: string, v: unknown, base: SelfTrainingFilter): SelfTrainingFilter {
  if (!isRecord(v)) throw new Error(`${where}: expected an object, got ${JSON.stringify(v)}`);
  for (const key of Object.keys(v)) if (!(key in base)) throw new Error(`${where}.${key}: unknown field`);
  const f = { ...base, ...v };
  const unit = (key: string, x: unknown, lowOpen: boolean) => {
    if (typeof x === 'number' && (lowOpen ? x > 0 : x >= 0) && x <= 1) return x;
    throw new Error(`${where}.${key}: expected a number in ${lowOpen ? '(' : '['}0, 1], got ${JSON.stringify(x)}`);
  };
  return {
    scoreThreshold: unit('scoreThreshold', f.scoreThreshold, false),
    nmsIou: unit('nmsIou', f.nmsIou, true),
    maxPerImage: wholeField(`${where}.maxPerImage`, f.maxPerImage, 1, 10_000),
  };
}

function augmentField(where: string, v: unknown, base: AugmentConfig): AugmentConfig {
  if (!isRecord(v)) throw new Error(`${where}: expected an object, got ${JSON.stringify(v)}`);
  for (const key of Object.keys(v)) if (!(key in base)) throw new Error(`${where}.${key}: unknown field`);
  const a = { ...base, ...v };
  if (typeof a.flip !== 'boolean') throw new Error(`${where}.flip: expected true or false, got ${JSON.stringify(a.flip)}`);
  if (!(typeof a.cropMinScale === 'number' && a.cropMinScale >= MIN_CROP_SCALE && a.cropMinScale <= 1)) {
    throw new Error(`${where}.cropMinScale: expected a number in [${MIN_CROP_SCALE}, 1] (1: no crops), got ${JSON.stringify(a.cropMinScale)}`);
  }
  return { flip: a.flip, cropMinScale: a.cropMinScale };
}

function shareField(where: string, v: unknown): number {
  if (typeof v === 'number' && v > 0 && v <= 1) return v;
  throw new Error(`${where}: expected a number in (0, 1] (1: every pseudo-class), got ${JSON.stringify(v)}`);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--config ${path}: could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--config ${path}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(json)) throw new Error(`--config ${path}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  for (const key of Object.keys(json)) if (!FILE_FIELDS.includes(key)) throw new Error(`--config ${path}: ${key}: unknown field (known: ${FILE_FIELDS.join(', ')})`);
  return json;
}

export function makePlan(o: Options): RunPlan {
  if (!o.source) throw new Error('no images given');
  const file = o.config ? readConfigFile(o.config) : {};
  const where = (key: string) => `--config ${o.config}: ${key}`;
  const filePreset = file.preset;
  if (filePreset !== undefined && filePreset !== 'tiny' && filePreset !== 'laptop' && filePreset !== 'paper') {
    throw new Error(`${where('preset')}: expected "tiny", "laptop" or "paper", got ${JSON.stringify(filePreset)}`);
  }
  const preset: DetrPreset = o.preset ?? filePreset ?? 'laptop';
  const base = defaultTrainingConfig(preset);
  const seed = o.seed ?? (file.seed === undefined ? 0 : wholeField(where('seed'), file.seed, 0, 0xffffffff));
  const detrInput = file.detr === undefined ? {} : file.detr;
  if (!isRecord(detrInput)) throw new Error(`${where('detr')}: expected an object, got ${JSON.stringify(detrInput)}`);
  const presetDetr = detrPreset(preset);
  // Sections merge over the preset's; anything that is not an object goes on to the validator, which names it.
  const section = (name: 'backbone' | 'transformer' | 'optim') => {
    const given = detrInput[name];
    return isRecord(given) ? { ...presetDetr[name], ...given } : (given ?? presetDetr[name]);
  };
  const detr = validateDetrConfig({
    ...presetDetr, ...detrInput, backbone: section('backbone'), transformer: section('transformer'), optim: section('optim'), seed,
  });
  const proposalsInput = file.proposals === undefined ? {} : file.proposals;
  if (!isRecord(proposalsInput)) throw new Error(`${where('proposals')}: expected an object, got ${JSON.stringify(proposalsInput)}`);
  const proposals = validateProposalConfig({ ...DEFAULT_PROPOSAL_CONFIG, ...proposalsInput, seed });
  const int = (key: string, fallback: number, lo: number, hi: number) => (file[key] === undefined ? fallback : wholeField(where(key), file[key], lo, hi));
  const selfTraining = file.selfTraining === undefined ? base.selfTraining : filterField(where('selfTraining'), file.selfTraining, base.selfTraining);
  const predictionsBase: SelfTrainingFilter = { scoreThreshold: 0, nmsIou: selfTraining.nmsIou, maxPerImage: 100 };
  const training: TrainingConfig = {
    preset, detr, selfTraining, pinned: [],
    stepsPerRound: o.steps ?? int('stepsPerRound', base.stepsPerRound, 1, 10_000_000),
    extraRounds: o.rounds ?? int('extraRounds', base.extraRounds, 0, 10),
    batchSize: int('batchSize', base.batchSize, 1, 64),
    augment: file.augment === undefined ? base.augment : augmentField(where('augment'), file.augment, base.augment),
    classShare: file.classShare === undefined ? base.classShare : shareField(where('classShare'), file.classShare),
    checkpointEvery: int('checkpointEvery', base.checkpointEvery, 1, 1_000_000),
  };
  return {
    source: o.source.kind === 'folder' ? { kind: 'folder', path: resolve(o.source.path) } : o.source,
    preset, seed, backend: o.backend ?? 'auto',
    cacheSize: int('cacheSize', Math.min(1024, Math.max(64, detr.imageSize)), 64, 1024),
    proposals, training,
    predictions: file.predictions === undefined ? predictionsBase : filterField(where('predictions'), file.predictions, predictionsBase),
  };
}
