// A pretraining run as one file a person keeps: a zip (fflate) of the detector's weights (as
// safetensors and as tfjs model.json + shards), AdamW's moments, the run's config, its step metrics
// and its labels (proposals, every round's pseudo-labels, the final predictions; runLabels.ts).
// Bytes in, bytes out, so it is tested in Node; the worker builds the parts (runTransfer.ts).
//
// Reading accepts the zip with either weight form or both (then they must agree bit for bit), or a
// bare .safetensors (whose metadata may carry the config as JSON, as every file this app exports
// does). Every part is checked here; detrNames and optimizerFile check them against the model.

import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { parseCocoDataset, type CocoDataset } from '../core/cocoFormat';
import { readSafetensors, type SafetensorsFile } from '../core/safetensors';
import { readTfjsWeights, TFJS_MODEL_FILE, type TfjsWeightsFiles } from '../core/tfjsWeights';
import { METRICS_FILE, metricsToJsonl, parseMetricsJsonl } from './metricsLog';
import { cocoName, roundStem } from './runLabels';
import { parseTrainingConfig } from './trainingConfigSchema';
import type { StepReport, TrainingConfig } from './protocol';
import { weightsDiffer, type WeightMap } from '../core/weightMap';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const CONFIG_FILE = 'config.json';
/** The safetensors metadata key that carries the run's config, so a bare .safetensors is enough. */
export const CONFIG_METADATA_KEY = 'simdetr.training_config';

export interface RunArchiveParts {
  safetensors: Uint8Array;
  tfjs: TfjsWeightsFiles;
  /** AdamW's moments (optimizerFile.ts); null leaves them out. */
  optimizer: Uint8Array | null;
  config: TrainingConfig;
  metrics: readonly StepReport[];
  /** JSON label files by name (runLabels.ts). */
  labels: ReadonlyMap<string, unknown>;
}

export function buildRunZip(parts: RunArchiveParts): Uint8Array {
  const json = (x: unknown): Uint8Array => strToU8(`${JSON.stringify(x, null, 1)}\n`);
  // Float weights barely compress: storing them keeps export fast on large presets.
  const stored = (b: Uint8Array): [Uint8Array, { level: 0 }] => [b, { level: 0 }];
  const files: Zippable = {
    [MODEL_FILE]: stored(parts.safetensors),
    [TFJS_MODEL_FILE]: json(parts.tfjs.modelJson),
    [CONFIG_FILE]: json(parts.config),
    [METRICS_FILE]: strToU8(metricsToJsonl(parts.metrics)),
  };
  for (const [path, bytes] of parts.tfjs.shards) files[path] = stored(bytes);
  if (parts.optimizer !== null) files[OPTIMIZER_FILE] = stored(parts.optimizer);
  for (const [name, value] of parts.labels) files[name] = json(value);
  return zipSync(files, { level: 6 });
}

export interface ImportedRun {
  /** The weights by name, from model.safetensors or from model.json and its shards. */
  weights: WeightMap;
  /** From config.json, or from the safetensors metadata; null when neither has one. */
  config: TrainingConfig | null;
  /** The weight file's metadata (step, round, num_classes, …). */
  metadata: Record<string, string>;
  /** optimizer.safetensors, parsed; null when the file has none (AdamW then restarts). */
  optimizer: SafetensorsFile | null;
  /** metrics.jsonl, parsed; null when the file has none. */
  metrics: StepReport[] | null;
  /** Each round's pseudo-labels (pseudo_labels.round{r}.coco.json), validated, by round; empty for a bare .safetensors. */
  rounds: ReadonlyMap<number, CocoDataset>;
}

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** The parts of an exported run, each checked; throws with what was wrong and nothing else done. */
export async function readRunArchive(bytes: Uint8Array, fileName: string): Promise<ImportedRun> {
  if (!isZip(bytes)) {
    const { tensors, metadata } = withContext(fileName, () => readSafetensors(bytes));
    const embedded = metadata[CONFIG_METADATA_KEY];
    const config = embedded === undefined ? null : parseTrainingConfig(parseJson(embedded, `${fileName} metadata`));
    return { weights: tensors, config, metadata, optimizer: null, metrics: null, rounds: new Map() };
  }
  const files = withContext(fileName, () => unzipSync(bytes));
  const configBytes = files[CONFIG_FILE];
  if (configBytes === undefined) throw new Error(`${fileName}: expected a ${CONFIG_FILE} in the zip, found ${listNames(files)}`);
  const config = parseTrainingConfig(parseJson(withContext(CONFIG_FILE, () => strFromU8(configBytes)), CONFIG_FILE));
  const { weights, metadata } = await readWeights(files, fileName);
  const optimizerBytes = files[OPTIMIZER_FILE];
  const optimizer = optimizerBytes === undefined ? null : withContext(OPTIMIZER_FILE, () => readSafetensors(optimizerBytes));
  const metricsBytes = files[METRICS_FILE];
  const metrics = metricsBytes === undefined ? null : parseMetricsJsonl(withContext(METRICS_FILE, () => strFromU8(metricsBytes)));
  return { weights, config, metadata, optimizer, metrics, rounds: readRounds(files) };
}

/** Every pseudo_labels.round{r}.coco.json of the zip, parsed and validated as COCO. */
function readRounds(files: Record<string, Uint8Array>): Map<number, CocoDataset> {
  const rounds = new Map<number, CocoDataset>();
  for (const [name, bytes] of Object.entries(files)) {
    const round = Number(/^pseudo_labels\.round(\d+)\.coco\.json$/.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(round) || name !== cocoName(roundStem(round))) continue;
    const parsed = parseCocoDataset(parseJson(withContext(name, () => strFromU8(bytes)), name));
    if (!parsed.ok) throw new Error(`${name}: ${parsed.errors.join('; ')}`);
    rounds.set(round, parsed.dataset);
  }
  return rounds;
}

/** model.safetensors, or model.json + shards, or both: then every tensor must be the same. */
async function readWeights(files: Record<string, Uint8Array>, fileName: string): Promise<{ weights: WeightMap; metadata: Record<string, string> }> {
  const st = files[MODEL_FILE];
  const tfjsJson = files[TFJS_MODEL_FILE];
  const fromSafetensors = st === undefined ? null : withContext(MODEL_FILE, () => readSafetensors(st));
  if (tfjsJson === undefined) {
    if (fromSafetensors === null) {
      throw new Error(`${fileName}: expected the weights in the zip (${MODEL_FILE}, or ${TFJS_MODEL_FILE} and its shards), found ${listNames(files)}`);
    }
    return { weights: fromSafetensors.tensors, metadata: fromSafetensors.metadata };
  }
  const json = parseJson(withContext(TFJS_MODEL_FILE, () => strFromU8(tfjsJson)), TFJS_MODEL_FILE);
  const fromTfjs = await readTfjsWeights(json, (path) => files[path]);
  if (fromSafetensors === null) return { weights: fromTfjs.tensors, metadata: fromTfjs.metadata };
  const difference = weightsDiffer(fromSafetensors.tensors, fromTfjs.tensors);
  if (difference !== null) throw new Error(`${fileName}: ${MODEL_FILE} and ${TFJS_MODEL_FILE} hold different weights: ${difference}`);
  return { weights: fromSafetensors.tensors, metadata: fromSafetensors.metadata };
}

function listNames(files: Record<string, Uint8Array>): string {
  const names = Object.keys(files);
  return names.length === 0 ? 'no files' : names.join(', ');
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${where}: expected JSON, ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** fflate's and the reader's messages do not say which file they were reading. */
function withContext<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${where}: ${/zip|invalid|unexpected end/i.test(message) ? `not a readable zip or safetensors file (${message})` : message}`);
  }
}
