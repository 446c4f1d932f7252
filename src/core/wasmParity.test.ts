// The whole detector on the wasm backend (nine-tap 3×3 convolutions, dense's own gradient, one-hot
// row picks in the criterion) against the CPU backend (tfjs's ops): the same init gives the same
// outputs, loss and gradients for every variable, so either backend trains the same model.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CRITERION_CONFIG, setCriterionWithAux } from './criterion';
import { buildDetr, detrForward, detrVariables, disposeDetr } from './detr';
import { detrPreset } from './detrConfig';
import { hungarianMatchLayers, type ImageTargets } from './matcher';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { switchBackend, type NodeBackend } from '../testing/backends';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;

beforeAll(async () => {
  await switchBackend('cpu');
  encoder = loadEncoderInNode();
});
afterAll(async () => {
  await switchBackend('cpu');
  disposeMobileNetV2Weights(encoder);
});

const TARGETS: ImageTargets[] = [
  { classes: Int32Array.from([0, 2]), boxes: Float32Array.from([0.3, 0.3, 0.3, 0.4, 0.7, 0.65, 0.3, 0.4]) },
  { classes: Int32Array.from([1]), boxes: Float32Array.from([0.5, 0.5, 0.5, 0.5]) },
];

/** Loss and every variable's gradient (flattened, in detrVariables order) on one backend. */
async function lossAndGrads(backend: NodeBackend): Promise<{ loss: number; grads: Float32Array[] }> {
  await switchBackend(backend);
  const cfg = detrPreset('tiny');
  cfg.numClasses = 3;
  cfg.numQueries = 8;
  const model = buildDetr(cfg, encoder);
  const vars = detrVariables(model);
  const images = tf.tensor4d(Array.from({ length: 2 * 40 * 56 * 3 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2), [2, 40, 56, 3]);
  const plain = detrForward(model, images, { training: false });
  const matches = await hungarianMatchLayers(plain.layers, TARGETS, DEFAULT_CRITERION_CONFIG);
  tf.dispose(plain);
  const { value, grads } = tf.variableGrads(() => {
    const out = detrForward(model, images, { training: false });
    return setCriterionWithAux(out.layers, TARGETS, matches, DEFAULT_CRITERION_CONFIG).total;
  }, [...vars.backbone, ...vars.rest]);
  const loss = (await value.data())[0] ?? Number.NaN;
  const flat = await Promise.all([...vars.backbone, ...vars.rest].map((v) => grads[v.name]!.data<'float32'>()));
  tf.dispose([value, grads, images]);
  disposeDetr(model);
  return { loss, grads: flat };
}

describe('the detector on the wasm backend', () => {
  it('gives the CPU backend’s loss and gradients', async () => {
    const cpu = await lossAndGrads('cpu');
    const wasm = await lossAndGrads('wasm');
    expect(Number.isFinite(cpu.loss)).toBe(true);
    expect(wasm.loss).toBeCloseTo(cpu.loss, 4);
    expect(wasm.grads).toHaveLength(cpu.grads.length);
    cpu.grads.forEach((g, i) => {
      const scale = Math.max(1e-3, ...g.map(Math.abs));
      const diff = g.reduce((m, v, j) => Math.max(m, Math.abs(v - (wasm.grads[i]![j] ?? NaN))), 0);
      expect(diff / scale, `variable ${i}`).toBeLessThan(1e-3);
    });
  });
});
