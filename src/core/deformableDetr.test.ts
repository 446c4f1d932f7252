// The detector with multi-scale deformable attention (transformer.attention = 'deformable') on the
// real encoder weights: four levels at strides 8–64, output shapes and boxes in (0, 1), a gradient for
// every variable, Deformable DETR's names for every weight with a bit-exact safetensors round trip,
// training steps that lower the loss without leaking tensors, and the wasm backend agreeing with cpu.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneMaps } from './backbone';
import { buildDetr, detrForward, detrVariables, disposeDetr } from './detr';
import { detrPreset, type DetrConfig } from './detrConfig';
import { detrToSafetensors, loadDetrSafetensors, namedDetrVariables } from './detrNames';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { multiScaleTokens } from './multiScale';
import { createTrainer, disposeTrainer, trainStep } from './trainer';
import { switchBackend } from '../testing/backends';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;
let images: tf.Tensor4D; // [2, 64, 96, 3]

const config = (seed = 0, edit: (c: DetrConfig) => void = () => {}): DetrConfig => {
  const c = detrPreset('tiny');
  c.numClasses = 5;
  c.numQueries = 8;
  c.seed = seed;
  c.transformer.attention = 'deformable';
  edit(c);
  return c;
};

beforeAll(async () => {
  await switchBackend('cpu');
  encoder = loadEncoderInNode();
  images = tf.randomUniform([2, 64, 96, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
});
afterAll(async () => {
  images.dispose();
  disposeMobileNetV2Weights(encoder);
  await switchBackend('cpu');
});

describe('deformable detector', () => {
  it('reads four levels at strides 8, 16, 32 and 64 and predicts every decoder layer', async () => {
    const model = buildDetr(config(), encoder);
    expect(model.kind).toBe('deformable');
    if (model.kind !== 'deformable') throw new Error('expected a deformable model');
    const maps = backboneMaps(model.backbone, images);
    const tokens = multiScaleTokens(model.neck, maps);
    tf.dispose(maps);
    expect(tokens.levels).toEqual([{ height: 8, width: 12 }, { height: 4, width: 6 }, { height: 2, width: 3 }, { height: 1, width: 2 }]);
    expect(tokens.src.shape).toEqual([2, 96 + 24 + 6 + 2, 64]);
    tf.dispose([tokens.src, tokens.pos]);
    const out = detrForward(model, images, { training: false });
    expect(out.layers).toHaveLength(2);
    for (const l of out.layers) {
      expect(l.logits.shape).toEqual([2, 8, 6]);
      expect(l.boxes.shape).toEqual([2, 8, 4]);
      const [lo, hi] = [(await tf.min(l.boxes).data())[0]!, (await tf.max(l.boxes).data())[0]!];
      expect(lo).toBeGreaterThan(0);
      expect(hi).toBeLessThan(1);
    }
    tf.dispose(out);
    disposeDetr(model);
  });

  it('gives every variable a finite, non-zero gradient', async () => {
    await switchBackend('wasm'); // the CPU backend needs minutes for this backward pass
    const model = buildDetr(config(), encoder);
    const nameOf = new Map(namedDetrVariables(model).map(([n, v]) => [v, n]));
    // At init the offset and attention-weight layers have zero weights, so positions (and the level
    // embedding) reach nothing yet, exactly as in Deformable DETR; give them small values first.
    for (const [name, v] of namedDetrVariables(model)) {
      if (/(sampling_offsets|attention_weights)\.weight$/.test(name)) v.assign(tf.randomNormal(v.shape, 0, 0.01, 'float32', 5));
    }
    const vars = Object.values(detrVariables(model)).flat();
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const { layers } = detrForward(model, images, { training: true });
      return tf.addN(layers.map((l, i) => tf.add(tf.mean(tf.square(tf.sub(l.logits, i + 0.5))), tf.mean(tf.abs(tf.sub(l.boxes, 0.3)))))) as tf.Scalar;
    }), vars);
    const dead = vars.filter((v) => tf.tidy(() => !(tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! > 0)));
    expect(dead.map((v) => nameOf.get(v))).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    disposeDetr(model);
    await switchBackend('cpu');
  });

  it('names every weight as Deformable DETR does and round-trips them bit for bit', async () => {
    const scratch = (c: DetrConfig) => (c.backbone = { init: 'scratch', featureLevel: 'stride16' });
    const [a, b] = [buildDetr(config(1, scratch), encoder), buildDetr(config(2, scratch), encoder)];
    const names = namedDetrVariables(a).map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    for (const n of ['input_proj.3.0.weight', 'input_proj.3.1.bias', 'transformer.level_embed', 'transformer.reference_points.weight',
      'transformer.encoder.layers.1.self_attn.sampling_offsets.bias', 'transformer.decoder.layers.0.cross_attn.attention_weights.weight',
      'transformer.decoder.layers.1.self_attn.q_proj.weight', 'transformer.decoder.layers.1.norm3.weight', 'query_embed.weight']) {
      expect(names).toContain(n);
    }
    loadDetrSafetensors(b, await detrToSafetensors(a, { preset: 'tiny' }));
    const [ya, yb] = [detrForward(a, images, { training: false }), detrForward(b, images, { training: false })];
    expect(Array.from(await yb.layers[1]!.boxes.data())).toEqual(Array.from(await ya.layers[1]!.boxes.data()));
    tf.dispose([ya, yb]);
    disposeDetr(a);
    disposeDetr(b);
  });

  it('trains: the loss falls on a toy set and a step leaks no tensor', async () => {
    await switchBackend('wasm');
    const cfg = config(0, (c) => (c.optim = { ...c.optim, lr: 1e-3, lrBackbone: 1e-4, warmupSteps: 0 }));
    const t = createTrainer(cfg, encoder);
    const x = tf.randomUniform([2, 32, 48, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const targets = [
      { classes: Int32Array.from([0, 2]), boxes: Float32Array.from([0.3, 0.3, 0.3, 0.4, 0.7, 0.65, 0.3, 0.4]) },
      { classes: Int32Array.from([1]), boxes: Float32Array.from([0.5, 0.5, 0.5, 0.5]) },
    ];
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const before = tf.memory().numTensors;
      losses.push((await trainStep(t, x, targets)).loss);
      if (i > 0) expect(tf.memory().numTensors).toBe(before);
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    console.log(`deformable toy set: loss ${mean(losses.slice(0, 3)).toFixed(3)} → ${mean(losses.slice(-3)).toFixed(3)} in ${losses.length} steps`);
    expect(mean(losses.slice(-3))).toBeLessThan(0.6 * mean(losses.slice(0, 3)));
    x.dispose();
    disposeTrainer(t);
    await switchBackend('cpu');
  }, 300_000);
});
