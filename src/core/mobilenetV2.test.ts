// Our MobileNetV2 against the original graph model it takes its weights from: same feature maps at
// strides 8/16/32 on square, non-square and odd-sized images; no tensor leaks; clear errors on bad
// weight files; gradients reach every variable when the weights are trainable.
//
// Error measure: max |ours − graph| / max |graph| over the whole output of one level.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FEATURE_NODES,
  disposeMobileNetV2Weights,
  loadMobileNetV2Weights,
  mobileNetV2Features,
  mobileNetV2Variables,
  type FeatureLevel,
  type MobileNetV2Weights,
} from './mobilenetV2';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL_DIR = `${ROOT}public/models/mobilenet_v2_140/`;
const LEVELS: FeatureLevel[] = ['stride8', 'stride16', 'stride32'];
const TOLERANCE = 1e-4;

function readModelFiles(): { json: unknown; buffers: ArrayBuffer[] } {
  if (!existsSync(`${MODEL_DIR}model.json`)) {
    // Written by `npm install` (postinstall); a fresh checkout may not have run it yet.
    execFileSync(process.execPath, [`${ROOT}scripts/encoder/extract-encoder.mjs`], { stdio: 'inherit' });
  }
  const json: unknown = JSON.parse(readFileSync(`${MODEL_DIR}model.json`, 'utf8'));
  const bytes = readFileSync(`${MODEL_DIR}group1-shard1of1.bin`);
  return { json, buffers: [bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)] };
}

function toArtifacts(json: unknown, weightData: ArrayBuffer): tf.io.ModelArtifacts {
  if (typeof json !== 'object' || json === null || !('modelTopology' in json) || !('weightsManifest' in json)) {
    throw new Error('model.json: expected modelTopology and weightsManifest');
  }
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData,
    format: 'graph-model',
  };
}

function relativeError(ours: tf.Tensor, reference: tf.Tensor): number {
  return tf.tidy(() => tf.sub(ours, reference).abs().max().dataSync()[0]! / reference.abs().max().dataSync()[0]!);
}

let files: { json: unknown; buffers: ArrayBuffer[] };
let graph: tf.GraphModel;
let weights: MobileNetV2Weights;

beforeAll(async () => {
  await tf.setBackend('cpu');
  files = readModelFiles();
  graph = await tf.loadGraphModel(tf.io.fromMemory(toArtifacts(files.json, files.buffers[0]!)));
  weights = loadMobileNetV2Weights(files.json, files.buffers);
});

afterAll(() => {
  graph.dispose();
  disposeMobileNetV2Weights(weights);
});

describe('mobileNetV2Features', () => {
  it.each([
    [2, 64, 96],
    [1, 128, 128],
    [1, 45, 67],
  ])('matches the original graph on %i image(s) of %i×%i', (b, h, w) => {
    const images = tf.randomUniform([b, h, w, 3], 0, 1, 'float32', h * 1000 + w) as tf.Tensor4D;
    const ours = mobileNetV2Features(weights, images, LEVELS);
    const reference = graph.execute(images, LEVELS.map((l) => FEATURE_NODES[l])) as tf.Tensor4D[];
    const errors = LEVELS.map((level, i) => {
      const s = Number(level.slice('stride'.length));
      const expected = [b, Math.ceil(h / s), Math.ceil(w / s), weights.channels[level]];
      expect(ours[level].shape).toEqual(expected);
      expect(reference[i]!.shape).toEqual(expected);
      return relativeError(ours[level], reference[i]!);
    });
    console.log(`relative error ${b}×${h}×${w}: ${LEVELS.map((l, i) => `${l} ${errors[i]!.toExponential(2)}`).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThan(TOLERANCE);
    tf.dispose([images, ours, reference]);
  });

  it('has the channel counts of MobileNetV2 ×1.4 and maps [0,1] to [-1,1]', () => {
    expect(weights.channels).toEqual({ stride8: 48, stride16: 136, stride32: 1792 });
    expect([weights.inputScale, weights.inputShift]).toEqual([2, 1]);
    expect(weights.blocks).toHaveLength(17);
  });

  it('computes a level alone exactly as in a full run', () => {
    const images = tf.randomUniform([1, 32, 48, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const alone = mobileNetV2Features(weights, images, ['stride16']);
    const all = mobileNetV2Features(weights, images, LEVELS);
    expect(Object.keys(alone)).toEqual(['stride16']);
    expect(relativeError(alone.stride16, all.stride16)).toBe(0);
    tf.dispose([images, alone, all]);
  });

  it('does not leak tensors', () => {
    const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    tf.dispose(mobileNetV2Features(weights, images, LEVELS));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.dispose(mobileNetV2Features(weights, images, LEVELS));
      expect(tf.memory().numTensors).toBe(before);
    }
    images.dispose();
  });

  it('rejects images without 3 channels', () => {
    const gray = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    expect(() => mobileNetV2Features(weights, gray, LEVELS)).toThrow(/expected images of shape \[B, H, W, 3\]/);
    gray.dispose();
  });
});

describe('loadMobileNetV2Weights', () => {
  it('is frozen by default and trainable on request, with gradients for every variable', () => {
    expect(mobileNetV2Variables(weights).every((v) => !v.trainable)).toBe(true);
    const numTensors = tf.memory().numTensors;
    const trainable = loadMobileNetV2Weights(files.json, files.buffers, { trainable: true });
    const variables = mobileNetV2Variables(trainable);
    expect(variables).toHaveLength(2 * (1 + 16 * 3 + 2 + 1));
    const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(
      () => tf.tidy(() => mobileNetV2Features(trainable, images, ['stride32']).stride32.mean()) as tf.Scalar,
      variables,
    );
    const norms = variables.map((v) => tf.tidy(() => grads[v.name]!.norm().dataSync()[0]!));
    expect(norms.every((n) => Number.isFinite(n))).toBe(true);
    expect(norms.filter((n) => n > 0).length).toBe(variables.length);
    tf.dispose([value, images, grads]);
    disposeMobileNetV2Weights(trainable);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('explains what it expected when the weight file is wrong', () => {
    const numTensors = tf.memory().numTensors;
    const withSpecs = (edit: (specs: Record<string, unknown>[]) => void): unknown => {
      const copy = structuredClone(files.json) as { weightsManifest: { weights: Record<string, unknown>[] }[] };
      edit(copy.weightsManifest[0]!.weights);
      return copy;
    };
    expect(() => loadMobileNetV2Weights(null, [])).toThrow(/expected an object with a weightsManifest array, got null/);
    expect(() => loadMobileNetV2Weights({ weightsManifest: [{}] }, [])).toThrow(/weightsManifest\[0\]: expected \{paths/);
    expect(() => loadMobileNetV2Weights(files.json, [])).toThrow(/expected 1 weight buffer\(s\).*got 0/);
    expect(() => loadMobileNetV2Weights(files.json, [new ArrayBuffer(10)])).toThrow(/buffers hold 10/);
    const renamed = withSpecs((s) => (s[5]!.name = 'renamed'));
    expect(() => loadMobileNetV2Weights(renamed, files.buffers)).toThrow(/expected a weight named MobilenetV2\//);
    const fp16 = withSpecs((s) => (s[0]!.quantization = { dtype: 'float16' }));
    expect(() => loadMobileNetV2Weights(fp16, files.buffers)).toThrow(/expected \{dtype: 'uint8'\|'uint16'/);
    expect(tf.memory().numTensors).toBe(numTensors);
  });
});
