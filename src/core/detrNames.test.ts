// The export's names cover the real model exactly, a file round-trips into a differently seeded model
// bit for bit (same forward outputs), and a wrong file is refused before any weight changes.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, detrForward, detrVariables, disposeDetr, type DetrModel, type DetrModelConfig } from './detr';
import { detrPreset } from './detrConfig';
import { DETR_LAYOUT_NOTE, detrToSafetensors, loadDetrSafetensors, namedDetrVariables } from './detrNames';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;
let a: DetrModel;
let b: DetrModel;

/** Scratch backbones, so two seeds differ in every weight (an 'encoder' backbone is the same copy in both). */
const cfg = (seed: number): DetrModelConfig => ({ ...detrPreset('tiny'), numClasses: 5, numQueries: 8, seed, backbone: { init: 'scratch', featureLevel: 'stride16' } });

const allData = (m: DetrModel): Promise<Float32Array[]> => Promise.all(namedDetrVariables(m).map(([, v]) => v.data<'float32'>()));
/** Names of the weights whose bits differ between two reads (vitest's deep equality is slow on millions of values). */
function differing(x: readonly Float32Array[], y: readonly Float32Array[]): number[] {
  const bits = (a: Float32Array | undefined) => (a === undefined ? new Uint32Array(0) : new Uint32Array(a.buffer, a.byteOffset, a.length));
  return x.map((_, i) => i).filter((i) => {
    const [p, q] = [bits(x[i]), bits(y[i])];
    return p.length !== q.length || p.some((v, j) => v !== q[j]);
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
  a = buildDetr(cfg(1), encoder);
  b = buildDetr(cfg(2), encoder);
});
afterAll(() => {
  disposeDetr(a);
  disposeDetr(b);
  disposeMobileNetV2Weights(encoder);
});

/** The file of `a` with its tensor list edited. */
async function edited(edit: (tensors: NamedTensor[]) => NamedTensor[]): Promise<Uint8Array> {
  const file = readSafetensors(await detrToSafetensors(a));
  const tensors = [...file.tensors].map(([name, t]) => ({ name, ...t }));
  return writeSafetensors(edit(tensors), file.metadata);
}

describe('namedDetrVariables', () => {
  it('names every variable of detrVariables once, with unique names', () => {
    const named = namedDetrVariables(a);
    const { backbone, rest } = detrVariables(a);
    const vars = new Set([...backbone, ...rest]);
    expect(named.length).toBe(vars.size);
    expect(new Set(named.map(([, v]) => v))).toEqual(vars);
    expect(new Set(named.map(([n]) => n)).size).toBe(named.length);
    expect(named.every(([n]) => /^[a-z_]+(\.[a-z_0-9]+)+$/.test(n))).toBe(true);
  });

  it('uses detr-style names with our layouts', () => {
    const shapes = new Map(namedDetrVariables(a).map(([n, v]) => [n, v.shape]));
    expect(shapes.get('backbone.stem.weight')).toEqual([3, 3, 3, 48]); // HWIO
    expect(shapes.get('backbone.blocks.0.expand.weight')).toBeUndefined(); // the first block does not expand
    expect(shapes.get('backbone.blocks.3.expand.weight')?.slice(0, 2)).toEqual([1, 1]);
    expect(shapes.get('backbone.blocks.3.depthwise.weight')?.[3]).toBe(1);
    expect(shapes.get('backbone.blocks.12.project.bias')).toEqual([136]);
    expect(shapes.has('backbone.blocks.13.project.bias')).toBe(false); // stride 16 stops after 13 blocks
    expect(shapes.has('backbone.head.weight')).toBe(false);
    expect(shapes.get('input_proj.weight')).toEqual([136, 64]); // [in, out]
    expect(shapes.get('transformer.encoder.layers.0.self_attn.q_proj.weight')).toEqual([64, 64]);
    expect(shapes.has('transformer.encoder.layers.0.self_attn.k_proj.weight')).toBe(true);
    expect(shapes.has('transformer.encoder.layers.0.self_attn.k_proj.bias')).toBe(false);
    expect(shapes.get('transformer.encoder.layers.1.linear1.weight')).toEqual([64, 128]);
    expect(shapes.get('transformer.encoder.layers.1.norm2.bias')).toEqual([64]);
    expect(shapes.has('transformer.encoder.norm.weight')).toBe(false); // post-norm: none, as detr
    expect(shapes.has('transformer.decoder.layers.0.self_attn.q_proj.weight')).toBe(false);
    expect(shapes.has('transformer.decoder.layers.1.self_attn.q_proj.weight')).toBe(true);
    expect(shapes.get('transformer.decoder.layers.0.multihead_attn.out_proj.bias')).toEqual([64]);
    expect(shapes.get('transformer.decoder.layers.1.norm3.weight')).toEqual([64]);
    expect(shapes.get('transformer.decoder.norm.weight')).toEqual([64]);
    expect(shapes.get('query_embed.weight')).toEqual([8, 64]);
    expect(shapes.get('class_embed.weight')).toEqual([64, 6]);
    expect(shapes.get('bbox_embed.layers.2.bias')).toEqual([4]);
    expect(shapes.has('bbox_embed.layers.3.bias')).toBe(false);
  });

  it('names the stride-32 head and the pre-norm encoder norm when the config has them', () => {
    const c = { ...cfg(3), backbone: { init: 'encoder', featureLevel: 'stride32' }, transformer: { ...cfg(3).transformer, preNorm: true } } as const;
    const m = buildDetr(c, encoder);
    const names = namedDetrVariables(m).map(([n]) => n);
    expect(names).toContain('backbone.head.weight');
    expect(names).toContain('backbone.blocks.16.project.weight');
    expect(names).toContain('transformer.encoder.norm.bias');
    expect(names).not.toContain('transformer.decoder.layers.0.norm2.weight'); // pre-norm: it would normalise zeros
    disposeDetr(m);
  });
});

describe('detr safetensors export and import', () => {
  it('carries every weight bit for bit into a model of another seed, with identical outputs', async () => {
    // Zero biases and unit norms start equal across seeds: scramble b so that every weight differs.
    tf.tidy(() => namedDetrVariables(b).forEach(([, v], i) => v.assign(tf.randomNormal(v.shape, 0, 1, 'float32', i))));
    const source = await allData(a);
    expect(differing(await allData(b), source).length).toBe(source.length);
    const bytes = await detrToSafetensors(a, { dataset: 'demo' });
    const tensorsBefore = tf.memory().numTensors;
    const metadata = loadDetrSafetensors(b, bytes);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(metadata).toMatchObject({ dataset: 'demo', format: 'simdetr-studio.detr', layout: DETR_LAYOUT_NOTE, num_classes: '5', num_queries: '8', d_model: '64' });
    expect(metadata).toMatchObject({ backbone_stride: '16', backbone_channels: '136', backbone_block_strides: '1,2,1,2,1,1,2,1,1,1,1,1,1', pre_norm: 'false' });
    expect(differing(await allData(b), source)).toEqual([]);

    const images = tf.randomUniform([1, 64, 96, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const outA = detrForward(a, images, { training: false });
    const outB = detrForward(b, images, { training: false });
    for (const [la, lb] of outA.layers.map((l, i) => [l, outB.layers[i]] as const)) {
      expect(await lb?.logits.data()).toEqual(await la.logits.data());
      expect(await lb?.boxes.data()).toEqual(await la.boxes.data());
    }
    tf.dispose([images, outA, outB]);
  });

  it('does not leak tensors when exporting', async () => {
    await detrToSafetensors(a);
    const n = tf.memory().numTensors;
    await detrToSafetensors(a);
    expect(tf.memory().numTensors).toBe(n);
  });

  const refusals: [string, () => Promise<Uint8Array>, RegExp][] = [
    ['a missing name', () => edited((ts) => ts.filter((t) => t.name !== 'class_embed.bias')), /class_embed\.bias: missing/],
    [
      'a wrong shape',
      () => edited((ts) => ts.map((t) => (t.name === 'query_embed.weight' ? { ...t, shape: [4, 128] } : t))),
      /query_embed\.weight: expected shape \[8, 64\], got \[4, 128\]/,
    ],
    ['an unknown name', () => edited((ts) => [...ts, { name: 'extra.weight', shape: [1], data: Float32Array.of(1) }]), /extra\.weight: not a weight of this model/],
    ['a truncated file', async () => (await detrToSafetensors(a)).slice(0, -6), /tensor "bbox_embed\.layers\.2\.bias".*truncated/],
  ];

  for (const [what, make, message] of refusals) {
    it(`refuses ${what} by name and changes no weight`, async () => {
      const bytes = await make();
      const c = buildDetr(cfg(7), encoder);
      const before = await allData(c);
      expect(() => loadDetrSafetensors(c, bytes)).toThrow(message);
      expect(differing(await allData(c), before)).toEqual([]);
      disposeDetr(c);
    });
  }
});

describe('loading with a fresh class head (fine-tuning on other classes)', () => {
  it('loads every other weight, leaves class_embed at its init and ignores the file’s', async () => {
    const other = buildDetr({ ...cfg(3), numClasses: 2 }, encoder);
    const headBefore = await other.classHead.weight.data<'float32'>();
    const biasBefore = await other.classHead.bias!.data<'float32'>();
    loadDetrSafetensors(other, await detrToSafetensors(a), { keepFresh: ['class_embed.'] });
    const [fromA, loaded] = [new Map(namedDetrVariables(a)), namedDetrVariables(other)];
    for (const [name, v] of loaded) {
      const got = await v.data<'float32'>();
      const want = name.startsWith('class_embed.') ? (name.endsWith('.weight') ? headBefore : biasBefore) : await fromA.get(name)!.data<'float32'>();
      expect(differing([got], [want]), name).toEqual([]);
    }
    disposeDetr(other);
  });

  it('without keepFresh, the other class count is refused by name', async () => {
    const other = buildDetr({ ...cfg(3), numClasses: 2 }, encoder);
    const bytes = await detrToSafetensors(a);
    expect(() => loadDetrSafetensors(other, bytes)).toThrow(/class_embed\.weight: expected shape \[64, 3\], got \[64, 6\]/);
    disposeDetr(other);
  });
});
