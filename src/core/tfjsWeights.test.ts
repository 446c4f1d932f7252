// The tfjs weight files: the real detector's export decodes, with tfjs's own loader and decoder, to
// exactly the bits of its safetensors export under the same names, in shards of at most 4 MB; and
// a damaged manifest or shard set is refused with the field or shard named.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, disposeDetr, type DetrModel } from './detr';
import { detrPreset } from './detrConfig';
import { detrToSafetensors, namedDetrVariables } from './detrNames';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { readSafetensors } from './safetensors';
import { detrToTfjsWeights, readTfjsWeights, SHARD_BYTES, writeTfjsWeights, type TfjsWeightsFiles } from './tfjsWeights';
import { weightsDiffer, type WeightMap } from './weightMap';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;
let model: DetrModel;
let files: TfjsWeightsFiles;
let safetensors: WeightMap;

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
  model = buildDetr({ ...detrPreset('tiny'), numClasses: 5, numQueries: 8, seed: 3 }, encoder);
  files = await detrToTfjsWeights(model, { step: '7' }, 'simdetr-studio test');
  safetensors = readSafetensors(await detrToSafetensors(model, { step: '7' })).tensors;
});
afterAll(() => {
  disposeDetr(model);
  disposeMobileNetV2Weights(encoder);
});

/** A deep copy of model.json as plain JSON, to damage. */
const manifestCopy = (): { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[] } =>
  JSON.parse(JSON.stringify(files.modelJson)) as ReturnType<typeof manifestCopy>;

describe('tfjs weights', () => {
  it('writes model.json in the tfjs layout with shards of at most 4 MB under the safetensors names', () => {
    const json = files.modelJson;
    expect(json.format).toBe('simdetr-studio.detr');
    expect(json.generatedBy).toBe('simdetr-studio test');
    expect(json.convertedBy).toMatch(/^TensorFlow\.js 4\.22/);
    expect(json.userDefinedMetadata.simdetr.step).toBe('7');
    expect(json.userDefinedMetadata.simdetr.num_classes).toBe('5');
    const [group] = json.weightsManifest;
    expect(json.weightsManifest).toHaveLength(1);
    expect(group?.weights.map((w) => w.name)).toEqual(namedDetrVariables(model).map(([name]) => name));
    expect(group?.weights.every((w) => w.dtype === 'float32')).toBe(true);
    const total = [...files.shards.values()].reduce((a, b) => a + b.byteLength, 0);
    expect(total).toBe(group?.weights.reduce((a, w) => a + 4 * w.shape.reduce((p, d) => p * d, 1), 0));
    const n = Math.ceil(total / SHARD_BYTES);
    expect(n).toBeGreaterThan(1); // the tiny detector's MobileNetV2 backbone alone is over 4 MB
    expect(group?.paths).toEqual(Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`));
    expect([...files.shards.values()].every((b) => b.byteLength <= SHARD_BYTES)).toBe(true);
  });

  it("decodes with tfjs's own weights loader to the safetensors' bits", async () => {
    const json = files.modelJson;
    // The loader asks for prefix + path, as it would over http.
    const fetchShards = (urls: string[]): Promise<ArrayBuffer[]> => Promise.resolve(urls.map((u) => files.shards.get(u.replace(/^zip\//, ''))!.slice().buffer));
    const names = json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
    const loaded = await tf.io.weightsLoaderFactory(fetchShards)(json.weightsManifest, 'zip/', names);
    const decoded = new Map(await Promise.all(names.map(async (name) => [name, { shape: loaded[name]!.shape, data: await loaded[name]!.data<'float32'>() }] as const)));
    tf.dispose(Object.values(loaded));
    expect(weightsDiffer(decoded, safetensors)).toBeNull();
    const read = await readTfjsWeights(json, (path) => files.shards.get(path));
    expect(weightsDiffer(read.tensors, safetensors)).toBeNull();
    expect(read.metadata.step).toBe('7');
  });

  it('notices a single flipped bit (the comparison can fail)', async () => {
    const shards = new Map([...files.shards].map(([k, v]) => [k, v.slice()]));
    const first = shards.get('group1-shard1of2.bin') ?? [...shards.values()][0]!;
    first[5] = (first[5] ?? 0) ^ 1;
    const read = await readTfjsWeights(files.modelJson, (path) => shards.get(path));
    expect(weightsDiffer(read.tensors, safetensors)).toMatch(/^backbone\.stem\.weight: value 1 differs/);
  });

  it('cuts shards at the size asked and keeps tensors whole across them', async () => {
    const t = [{ name: 'a', tensor: tf.tensor1d([1, -0, 3.5]) }, { name: 'b', tensor: tf.tensor2d([[1e-7, 2], [3, NaN]]) }];
    const small = await writeTfjsWeights(t, { k: 'v' }, { generatedBy: 'x', shardBytes: 8 });
    expect([...small.shards.keys()]).toEqual(['group1-shard1of4.bin', 'group1-shard2of4.bin', 'group1-shard3of4.bin', 'group1-shard4of4.bin']);
    const read = await readTfjsWeights(JSON.parse(JSON.stringify(small.modelJson)), (p) => small.shards.get(p));
    expect(Array.from(read.tensors.get('a')!.data)).toEqual([1, -0, 3.5]);
    expect(read.tensors.get('b')?.shape).toEqual([2, 2]);
    expect(Number.isNaN(read.tensors.get('b')!.data[3])).toBe(true);
    tf.dispose(t.map((x) => x.tensor));
  });

  it('names a missing shard, a short or long shard set, a wrong dtype, quantisation and a repeated name', async () => {
    const shard = (path: string) => files.shards.get(path);
    const read = (json: unknown, get: (p: string) => Uint8Array | undefined = shard) => readTfjsWeights(json, get);
    await expect(read(files.modelJson, (p) => (p === 'group1-shard2of2.bin' ? undefined : shard(p)))).rejects.toThrow(
      /model\.json: weightsManifest\[0\]\.paths\[1\]: expected a shard "group1-shard2of2\.bin" next to model\.json, found none/,
    );
    const cut = (p: string) => (p === 'group1-shard2of2.bin' ? shard(p)?.subarray(0, 100) : shard(p));
    await expect(read(files.modelJson, cut)).rejects.toThrow(/model\.json: weightsManifest\[0\]: its \d+ weights need \d+ bytes, its shards .* hold \d+ \(truncated/);
    const long = (p: string) => (p === 'group1-shard2of2.bin' ? new Uint8Array(shard(p)!.byteLength + 4) : shard(p));
    await expect(read(files.modelJson, long)).rejects.toThrow(/trailing bytes/);
    const int = manifestCopy();
    int.weightsManifest[0]!.weights[2]!.dtype = 'int32';
    await expect(read(int)).rejects.toThrow(/model\.json: weightsManifest\.0\.weights\.2\.dtype: expected "float32"/);
    const quantised = manifestCopy();
    quantised.weightsManifest[0]!.weights[0]!.quantization = { dtype: 'uint8', scale: 1, min: 0 };
    await expect(read(quantised)).rejects.toThrow(/weights\.0\.quantization: expected unquantised/);
    const twice = manifestCopy();
    twice.weightsManifest[0]!.weights[1]!.name = twice.weightsManifest[0]!.weights[0]!.name;
    await expect(read(twice)).rejects.toThrow(/the weight name "backbone\.stem\.weight" appears twice/);
    await expect(read({ weightsManifest: 'nope' })).rejects.toThrow(/model\.json: weightsManifest: /);
    expect(tf.memory().numTensors).toBeGreaterThan(0); // the model's variables; nothing decoded is left over:
    const before = tf.memory().numTensors;
    await read(files.modelJson);
    expect(tf.memory().numTensors).toBe(before);
  });
});
