// One multi-scale deformable attention layer against a slow reference that loops over queries,
// heads, levels and points; points outside every map give zeros; the offsets and weights get
// gradients; nothing leaks; the wasm backend gives the CPU backend's values and gradients.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeformableAttention, deformableAttention, deformableAttentionVariables, deformableCore, type DeformableAttention, type LevelShape } from './deformableAttention';
import type { Linear } from './layers';
import { mulberry32 } from './rng';
import { switchBackend, type NodeBackend } from '../testing/backends';

beforeAll(async () => {
  await switchBackend('cpu');
});
afterAll(async () => {
  await switchBackend('cpu');
});

const [B, NQ, D, HEADS, POINTS] = [2, 3, 8, 2, 3];
const LEVELS: LevelShape[] = [{ height: 3, width: 4 }, { height: 2, width: 2 }];
const S = LEVELS.reduce((n, lv) => n + lv.height * lv.width, 0);

interface Inputs {
  query: Float32Array; // [B, Nq, D]
  reference: Float32Array; // [B, Nq, L, 2]
  input: Float32Array; // [B, S, D]
}

function inputs(seed: number): Inputs {
  const rng = mulberry32(seed);
  return {
    query: Float32Array.from({ length: B * NQ * D }, () => rng() * 2 - 1),
    reference: Float32Array.from({ length: B * NQ * LEVELS.length * 2 }, () => rng()),
    input: Float32Array.from({ length: B * S * D }, () => rng() * 2 - 1),
  };
}

/** A layer whose offset and weight layers are random too (its init zeroes their weights). */
function layer(seed: number): DeformableAttention {
  const rng = mulberry32(seed);
  const attn = buildDeformableAttention(D, HEADS, LEVELS.length, POINTS, rng);
  for (const v of [attn.samplingOffsets.weight, attn.attentionWeights.weight, attn.attentionWeights.bias!] as tf.Variable[]) {
    v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng() - 0.5), v.shape));
  }
  return attn;
}

type Vec = number[];
const lin = (l: { w: Float32Array; b: Float32Array | null; out: number }, x: Vec): Vec =>
  Array.from({ length: l.out }, (_, j) => x.reduce((s, xi, i) => s + xi * l.w[i * l.out + j]!, l.b?.[j] ?? 0));

async function weightsOf(l: Linear) {
  return { w: await l.weight.data<'float32'>(), b: l.bias ? await l.bias.data<'float32'>() : null, out: l.weight.shape[1] };
}

/** grid_sample (bilinear, zeros, align_corners=False) of channels [c0, c0 + n) of one level's map. */
function sample(map: (y: number, x: number, c: number) => number, lv: LevelShape, lx: number, ly: number, c0: number, n: number): Vec {
  const [px, py] = [lx * lv.width - 0.5, ly * lv.height - 0.5];
  const [x0, y0] = [Math.floor(px), Math.floor(py)];
  const out = new Array<number>(n).fill(0);
  for (const [xi, wx] of [[x0, 1 - (px - x0)], [x0 + 1, px - x0]] as const) {
    for (const [yi, wy] of [[y0, 1 - (py - y0)], [y0 + 1, py - y0]] as const) {
      if (xi < 0 || xi >= lv.width || yi < 0 || yi >= lv.height) continue;
      for (let c = 0; c < n; c++) out[c]! += wx * wy * map(yi, xi, c0 + c);
    }
  }
  return out;
}

async function slowReference(attn: DeformableAttention, x: Inputs): Promise<Float32Array> {
  const [off, aw, val, out] = await Promise.all([attn.samplingOffsets, attn.attentionWeights, attn.value, attn.out].map(weightsOf));
  const dh = D / HEADS;
  const L = LEVELS.length;
  const result = new Float32Array(B * NQ * D);
  for (let b = 0; b < B; b++) {
    const value = Array.from({ length: S }, (_, s) => lin(val!, Array.from(x.input.subarray((b * S + s) * D, (b * S + s + 1) * D))));
    for (let q = 0; q < NQ; q++) {
      const query = Array.from(x.query.subarray((b * NQ + q) * D, (b * NQ + q + 1) * D));
      const offsets = lin(off!, query); // [h, L, P, 2]
      const logits = lin(aw!, query); // [h, L·P]
      const mixed: number[] = [];
      for (let head = 0; head < HEADS; head++) {
        const row = logits.slice(head * L * POINTS, (head + 1) * L * POINTS);
        const max = Math.max(...row);
        const e = row.map((v) => Math.exp(v - max));
        const z = e.reduce((s, v) => s + v, 0);
        const acc = new Array<number>(dh).fill(0);
        let start = 0;
        LEVELS.forEach((lv, l) => {
          const [rx, ry] = [x.reference[((b * NQ + q) * L + l) * 2]!, x.reference[((b * NQ + q) * L + l) * 2 + 1]!];
          for (let k = 0; k < POINTS; k++) {
            const at = ((head * L + l) * POINTS + k) * 2;
            const read = sample((y, xx, c) => value[start + y * lv.width + xx]![c]!, lv, rx + offsets[at]! / lv.width, ry + offsets[at + 1]! / lv.height, head * dh, dh);
            const w = e[l * POINTS + k]! / z;
            read.forEach((v, c) => (acc[c]! += w * v));
          }
          start += lv.height * lv.width;
        });
        mixed.push(...acc);
      }
      result.set(lin(out!, mixed), (b * NQ + q) * D);
    }
  }
  return result;
}

const tensors = (x: Inputs) => ({
  query: tf.tensor3d(x.query, [B, NQ, D]),
  reference: tf.tensor4d(x.reference, [B, NQ, LEVELS.length, 2]),
  input: tf.tensor3d(x.input, [B, S, D]),
});

describe('deformableAttention', () => {
  it('equals a slow reference that loops over queries, heads, levels and points', async () => {
    const attn = layer(1);
    const x = inputs(2);
    const t = tensors(x);
    const got = await deformableAttention(attn, t.query, t.reference, t.input, LEVELS).data();
    const ref = await slowReference(attn, x);
    expect(got.length).toBe(ref.length);
    ref.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.1); // a real comparison, not of zeros
  });

  it('starts with uniform weights over the ring of offsets', async () => {
    const attn = buildDeformableAttention(D, 4, 2, 2, mulberry32(3));
    const bias = await attn.samplingOffsets.bias!.data(); // [h, L, P, 2]
    [1, 0, 2, 0].forEach((v, i) => expect(bias[i]).toBeCloseTo(v, 6)); // head 0 looks right, 1 then 2 cells out
    [0, 1].forEach((v, i) => expect(bias[8 + i]).toBeCloseTo(v, 6)); // head 1 looks down (y grows downwards)
    expect(Array.from(await attn.attentionWeights.weight.data()).every((v) => v === 0)).toBe(true);
  });

  it('reads zeros at points outside every map', async () => {
    const value = tf.randomNormal([B, S, HEADS, D / HEADS]) as tf.Tensor4D;
    const outside = tf.tensor(Array.from({ length: B * NQ * HEADS * LEVELS.length * POINTS * 2 }, (_, i) => (i % 3 === 0 ? -0.6 : 1.7)), [B, NQ, HEADS, LEVELS.length, POINTS, 2]);
    const weights = tf.fill([B, NQ, HEADS, LEVELS.length, POINTS], 1 / (LEVELS.length * POINTS));
    const out = await deformableCore(value, LEVELS, outside, weights).data();
    expect(out.length).toBe(B * NQ * D);
    expect(Array.from(out).every((v) => v === 0)).toBe(true);
  });

  it('gives every variable a gradient and leaves no tensors behind', async () => {
    const attn = layer(4);
    const t = tensors(inputs(5));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(deformableAttention(attn, t.query, t.reference, t.input, LEVELS))), deformableAttentionVariables(attn));
    for (const v of deformableAttentionVariables(attn)) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      const largest = tf.tidy(() => tf.max(tf.abs(g!)));
      expect((await largest.data())[0], v.name).toBeGreaterThan(0);
      largest.dispose();
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('deformableAttention on wasm', () => {
  async function run(backend: NodeBackend): Promise<Float32Array[]> {
    await switchBackend(backend);
    const attn = layer(6);
    const t = tensors(inputs(7));
    const vars = deformableAttentionVariables(attn);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(deformableAttention(attn, t.query, t.reference, t.input, LEVELS))), vars);
    const out = await Promise.all([value, ...vars.map((v) => grads[v.name]!)].map((g) => g.data<'float32'>()));
    tf.dispose([value, ...Object.values(grads), ...vars, t.query, t.reference, t.input]);
    return out;
  }

  it('gives the CPU backend’s loss and gradients', async () => {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((ref, i) => ref.forEach((v, j) => expect(wasm[i]![j]).toBeCloseTo(v, 3)));
  });
});
