// A pretraining run as one file a person keeps: a zip (fflate) of the detector's weights, the
// run's config and the round-0 proposals as COCO and Label Studio JSON. Pure bytes in, bytes out,
// so it is tested in Node; the worker builds the parts (runTransfer.ts).
//
// Reading accepts the zip or a bare .safetensors (whose metadata may carry the config as JSON, as
// every file this app exports does). Nothing here touches the model: detrNames checks the weights.

import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { readSafetensors } from '../core/safetensors';
import { parseTrainingConfig } from './trainingConfigSchema';
import type { TrainingConfig } from './protocol';

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const COCO_FILE = 'proposals.coco.json';
export const LABEL_STUDIO_FILE = 'proposals.labelstudio.json';
/** The safetensors metadata key that carries the run's config, so a bare .safetensors is enough. */
export const CONFIG_METADATA_KEY = 'simdetr.training_config';

export interface RunArchiveParts {
  safetensors: Uint8Array;
  config: TrainingConfig;
  proposalsCoco: unknown;
  proposalsLabelStudio: unknown;
}

export function buildRunZip(parts: RunArchiveParts): Uint8Array {
  const json = (x: unknown): Uint8Array => strToU8(`${JSON.stringify(x, null, 1)}\n`);
  const files: Zippable = {
    // Float weights barely compress: storing them keeps export fast on large presets.
    [MODEL_FILE]: [parts.safetensors, { level: 0 }],
    [CONFIG_FILE]: json(parts.config),
    [COCO_FILE]: json(parts.proposalsCoco),
    [LABEL_STUDIO_FILE]: json(parts.proposalsLabelStudio),
  };
  return zipSync(files, { level: 6 });
}

export interface ImportedRun {
  safetensors: Uint8Array;
  /** From config.json, or from the safetensors metadata; null when neither has one. */
  config: TrainingConfig | null;
  metadata: Record<string, string>;
}

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** The parts of an exported run, each checked; throws with what was wrong and nothing else done. */
export function readRunArchive(bytes: Uint8Array, fileName: string): ImportedRun {
  if (!isZip(bytes)) {
    const safetensors = bytes;
    const { metadata } = withContext(fileName, () => readSafetensors(safetensors));
    const embedded = metadata[CONFIG_METADATA_KEY];
    return { safetensors, config: embedded === undefined ? null : parseTrainingConfig(parseJson(embedded, `${fileName} metadata`)), metadata };
  }
  const files = withContext(fileName, () => unzipSync(bytes));
  const safetensors = files[MODEL_FILE];
  if (safetensors === undefined) throw new Error(`${fileName}: expected a ${MODEL_FILE} in the zip, found ${listNames(files)}`);
  const configBytes = files[CONFIG_FILE];
  if (configBytes === undefined) throw new Error(`${fileName}: expected a ${CONFIG_FILE} in the zip, found ${listNames(files)}`);
  const config = parseTrainingConfig(parseJson(withContext(CONFIG_FILE, () => strFromU8(configBytes)), CONFIG_FILE));
  const { metadata } = withContext(MODEL_FILE, () => readSafetensors(safetensors));
  return { safetensors, config, metadata };
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
