// The detector's weights in TensorFlow.js's own layout, for tools that load tfjs weights: model.json
// (format, generatedBy, convertedBy, weightsManifest [{paths, weights: [{name, shape, dtype}]}]) and
// binary shards of at most 4 MB named as the tfjs converter names them (group1-shard1of2.bin). Names,
// shapes and values are those of the safetensors file (detrNames.ts), and userDefinedMetadata.simdetr
// carries the same metadata. There is no modelTopology: the detector is rebuilt from its config.
//
// tf.io.encodeWeights / getWeightSpecs / decodeWeights do the bytes; this file adds the sharding and
// the checks a file from outside needs before it is decoded (every shard there, sizes that add up,
// float32 only, no name twice), each failure naming the field or the shard.

import * as tf from '@tensorflow/tfjs';
import * as v from 'valibot';
import { detrMetadata, namedDetrVariables } from './detrNames';
import type { DetrModel } from './detr';

export const TFJS_MODEL_FILE = 'model.json';
/** The tfjs converter's default shard size. */
export const SHARD_BYTES = 4 * 1024 * 1024;
const F32_BYTES = 4;

export interface TfjsWeightsJson {
  format: string;
  generatedBy: string;
  convertedBy: string;
  weightsManifest: tf.io.WeightsManifestConfig;
  userDefinedMetadata: { simdetr: Record<string, string> };
}

export interface TfjsWeightsFiles {
  modelJson: TfjsWeightsJson;
  /** Shard path (relative to model.json) → bytes, in manifest order. */
  shards: Map<string, Uint8Array>;
}

export interface DecodedWeights {
  /** In manifest order. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

/** Encodes named float32 tensors with tf.io.encodeWeights and cuts the bytes into shards. */
export async function writeTfjsWeights(
  named: readonly { name: string; tensor: tf.Tensor }[],
  metadata: Readonly<Record<string, string>>,
  options: { generatedBy: string; shardBytes?: number },
): Promise<TfjsWeightsFiles> {
  for (const { name, tensor } of named) {
    if (tensor.dtype !== 'float32') throw new Error(`writeTfjsWeights: ${name}: expected float32, got ${tensor.dtype}`);
  }
  const { data, specs } = await tf.io.encodeWeights(named.map(({ name, tensor }) => ({ name, tensor })));
  const shardBytes = options.shardBytes ?? SHARD_BYTES;
  const n = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) shards.set(`group1-shard${i + 1}of${n}.bin`, new Uint8Array(data.slice(i * shardBytes, (i + 1) * shardBytes)));
  return {
    modelJson: {
      format: 'simdetr-studio.detr',
      generatedBy: options.generatedBy,
      convertedBy: `TensorFlow.js ${tf.version.tfjs} (tf.io.encodeWeights)`,
      weightsManifest: [{ paths: [...shards.keys()], weights: specs }],
      userDefinedMetadata: { simdetr: { ...metadata } },
    },
    shards,
  };
}

/** The detector's weights under their detrNames names, with detrMetadata added to `metadata`. */
export function detrToTfjsWeights(model: DetrModel, metadata: Readonly<Record<string, string>>, generatedBy: string): Promise<TfjsWeightsFiles> {
  const named = namedDetrVariables(model).map(([name, tensor]) => ({ name, tensor }));
  return writeTfjsWeights(named, { ...metadata, ...detrMetadata(model) }, { generatedBy });
}

const dim = v.pipe(v.number(), v.integer(), v.minValue(0));
const SpecSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  shape: v.array(dim),
  dtype: v.literal('float32', (issue) => `expected "float32" (the only dtype supported), got ${issue.received}`),
  quantization: v.optional(v.undefined((issue) => `expected unquantised float32 weights, got quantization ${issue.received}`)),
});
const ModelJsonSchema = v.object({
  weightsManifest: v.array(v.object({ paths: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)), weights: v.array(SpecSchema) })),
  userDefinedMetadata: v.optional(v.object({ simdetr: v.optional(v.record(v.string(), v.string())) })),
});

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * model.json (parsed JSON, unchecked) and its shards by path → the tensors as Float32Arrays and the
 * metadata. Everything is checked before tf.io.decodeWeights sees a byte; reads with `await data()`.
 */
export async function readTfjsWeights(json: unknown, shard: (path: string) => Uint8Array | undefined): Promise<DecodedWeights> {
  const parsed = v.safeParse(ModelJsonSchema, json);
  if (!parsed.success) {
    const shown = parsed.issues.slice(0, 3).map((issue) => `${v.getDotPath(issue) ?? '(the whole file)'}: ${issue.message}`);
    throw new Error(`${TFJS_MODEL_FILE}: ${shown.join('; ')}${parsed.issues.length > 3 ? `; … ${parsed.issues.length - 3} more` : ''}`);
  }
  const manifest = parsed.output.weightsManifest;
  const seen = new Set<string>();
  const buffers: ArrayBuffer[] = [];
  manifest.forEach((group, g) => {
    for (const { name } of group.weights) {
      if (seen.has(name)) throw new Error(`${TFJS_MODEL_FILE}: weightsManifest[${g}]: the weight name ${JSON.stringify(name)} appears twice`);
      seen.add(name);
    }
    let held = 0;
    group.paths.forEach((path, i) => {
      const bytes = shard(path);
      if (bytes === undefined) throw new Error(`${TFJS_MODEL_FILE}: weightsManifest[${g}].paths[${i}]: expected a shard ${JSON.stringify(path)} next to model.json, found none`);
      held += bytes.byteLength;
      buffers.push(bytes.slice().buffer); // an exact, aligned copy: a zip entry may be a view into a larger buffer
    });
    const needed = group.weights.reduce((sum, w) => sum + count(w.shape) * F32_BYTES, 0);
    if (held !== needed) {
      const why = held < needed ? 'truncated or a shard is short' : 'trailing bytes';
      throw new Error(`${TFJS_MODEL_FILE}: weightsManifest[${g}]: its ${group.weights.length} weights need ${needed} bytes, its shards (${group.paths.join(', ')}) hold ${held} (${why})`);
    }
  });
  const specs = tf.io.getWeightSpecs(manifest);
  const decoded = tf.io.decodeWeights(buffers, specs);
  try {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const spec of specs) {
      const t = decoded[spec.name];
      if (t === undefined) throw new Error(`${TFJS_MODEL_FILE}: ${spec.name}: tf.io.decodeWeights returned no tensor`);
      tensors.set(spec.name, { shape: [...t.shape], data: await t.data<'float32'>() });
    }
    return { tensors, metadata: { ...(parsed.output.userDefinedMetadata?.simdetr ?? {}) } };
  } finally {
    tf.dispose(Object.values(decoded));
  }
}
