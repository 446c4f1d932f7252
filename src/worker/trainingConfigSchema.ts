// The shape of a TrainingConfig read from outside (an imported run's config.json), as a valibot
// schema. Shapes and ranges are checked here; the detector's cross-field rules (heads divide D, …)
// then go through validateDetrConfig, so an import accepts exactly what the form accepts.

import * as v from 'valibot';
import { MIN_CROP_SCALE, NO_AUGMENT } from '../core/augment';
import { DETR_PRESETS, validateDetrConfig, type DetrPreset } from '../core/detrConfig';
import type { TrainingConfig } from './protocol';

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const real = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));

const DetrSchema = v.object({
  imageSize: int(32, 4096),
  numClasses: int(1, 65_536),
  numQueries: int(1, 10_000),
  seed: int(0, 0xffffffff),
  backbone: v.object({ init: v.picklist(['encoder', 'scratch']), featureLevel: v.picklist(['stride16', 'stride32']) }),
  transformer: v.object({
    dModel: int(4, 4096),
    numHeads: int(1, 256),
    numEncoderLayers: int(0, 64),
    numDecoderLayers: int(1, 64),
    dimFeedforward: int(1, 65_536),
    dropout: real(0, 0.9),
    preNorm: v.boolean(),
    attention: v.optional(v.picklist(['dense', 'deformable']), 'dense'), // absent in runs exported before it existed
    numPoints: v.optional(int(1, 64), 4),
  }),
  optim: v.object({
    lr: real(0, 1),
    lrBackbone: real(0, 1),
    weightDecay: real(0, 1),
    beta1: real(0, 1),
    beta2: real(0, 1),
    eps: real(0, 1),
    clipMaxNorm: real(0, 1e6),
    warmupSteps: int(0, 1e9),
    lrDropEvery: int(1, 1e9),
    lrDropFactor: real(0, 1),
  }),
});

const PRESETS = Object.keys(DETR_PRESETS) as [DetrPreset, ...DetrPreset[]];

export const TrainingConfigSchema = v.object({
  preset: v.picklist(PRESETS),
  detr: DetrSchema,
  stepsPerRound: int(1, 1e9),
  extraRounds: int(0, 100),
  batchSize: int(1, 4096),
  // Runs saved before augmentation existed trained without it, and resume that way.
  augment: v.optional(v.object({ flip: v.boolean(), cropMinScale: real(MIN_CROP_SCALE, 1) }), NO_AUGMENT),
  // Runs saved before the class share existed trained on every pseudo-class.
  classShare: v.optional(v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(1)), 1),
  selfTraining: v.object({ scoreThreshold: real(0, 1), nmsIou: real(0, 1), maxPerImage: int(1, 10_000) }),
  pinned: v.array(v.string()),
  checkpointEvery: int(1, 1e9),
});

/** A TrainingConfig from untrusted JSON; the error names the first bad field, e.g. `detr.transformer.dModel`. */
export function parseTrainingConfig(x: unknown): TrainingConfig {
  const result = v.safeParse(TrainingConfigSchema, x);
  if (!result.success) {
    const shown = result.issues.slice(0, 3).map((issue) => `${v.getDotPath(issue) ?? '(the whole config)'}: ${issue.message}`);
    throw new Error(`config.json: ${shown.join('; ')}${result.issues.length > 3 ? `; … ${result.issues.length - 3} more` : ''}`);
  }
  const config: TrainingConfig = result.output;
  try {
    validateDetrConfig(config.detr);
  } catch (err) {
    throw new Error(`config.json: detr: ${err instanceof Error ? err.message : String(err)}`);
  }
  return config;
}
