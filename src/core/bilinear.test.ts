// bilinearSample against a hand-written grid_sample (bilinear, zeros, align_corners=False) at random
// points, inside and outside the map; its gradients to values and to locations against finite
// differences; on wasm (whose value gradient scatters with ScatterNd), the CPU backend's results.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bilinearSample, bilinearSampleRows } from './bilinear';
import { mulberry32 } from './rng';
import { switchBackend, type NodeBackend } from '../testing/backends';

beforeAll(async () => {
  await switchBackend('cpu');
});

afterAll(async () => {
  await switchBackend('cpu');
});

const [G, H, W, C, M] = [2, 3, 4, 5, 7];

/** value[g][y][x][c] read at (lx, ly) in [0, 1], as torch's grid_sample reads it. */
function sampleRef(value: Float32Array, g: number, lx: number, ly: number): number[] {
  const px = lx * W - 0.5;
  const py = ly * H - 0.5;
  const [x0, y0] = [Math.floor(px), Math.floor(py)];
  const out = new Array<number>(C).fill(0);
  for (const [xi, wx] of [[x0, 1 - (px - x0)], [x0 + 1, px - x0]] as const) {
    for (const [yi, wy] of [[y0, 1 - (py - y0)], [y0 + 1, py - y0]] as const) {
      if (xi < 0 || xi >= W || yi < 0 || yi >= H) continue;
      for (let c = 0; c < C; c++) out[c]! += wx * wy * value[((g * H + yi) * W + xi) * C + c]!;
    }
  }
  return out;
}

function randomInputs(seed: number, lo: number, hi: number): { value: Float32Array; loc: Float32Array } {
  const rng = mulberry32(seed);
  const value = Float32Array.from({ length: G * H * W * C }, () => rng() * 2 - 1);
  const loc = Float32Array.from({ length: G * M * 2 }, () => lo + rng() * (hi - lo));
  return { value, loc };
}

describe('bilinearSample', () => {
  it('reads what grid_sample reads at random points, some outside the map', async () => {
    const { value, loc } = randomInputs(1, -0.3, 1.3);
    const out = bilinearSample(tf.tensor4d(value, [G, H, W, C]), tf.tensor3d(loc, [G, M, 2]));
    expect(out.shape).toEqual([G, M, C]);
    const got = await out.data();
    for (let g = 0; g < G; g++) {
      for (let m = 0; m < M; m++) {
        const ref = sampleRef(value, g, loc[(g * M + m) * 2]!, loc[(g * M + m) * 2 + 1]!);
        ref.forEach((v, c) => expect(got[(g * M + m) * C + c]).toBeCloseTo(v, 5));
      }
    }
  });

  it('reads exact cells at cell centres and zeros far outside the map', async () => {
    const { value } = randomInputs(2, 0, 1);
    const loc = tf.tensor3d([[[0.5 / W, 0.5 / H], [2.5 / W, 1.5 / H], [-0.5, 0.5], [0.5, 1.6]]], [1, 4, 2]);
    const got = await bilinearSample(tf.tensor4d(value.slice(0, H * W * C), [1, H, W, C]), loc).array();
    expect(got[0]![0]).toEqual(Array.from(value.slice(0, C)));
    got[0]![1]!.forEach((v, c) => expect(v).toBeCloseTo(value[((1 * W) + 2) * C + c]!, 6));
    expect(got[0]![2]).toEqual(new Array(C).fill(0));
    expect(got[0]![3]).toEqual(new Array(C).fill(0));
  });

  it('has the gradients finite differences give, for values and for locations', async () => {
    const { value, loc } = randomInputs(3, 0.05, 0.95);
    // Keep every point at least 0.1 cell from a cell boundary, so ±eps never changes its neighbours.
    for (let i = 0; i < loc.length; i++) {
      const size = i % 2 === 0 ? W : H;
      const p = loc[i]! * size - 0.5;
      const frac = p - Math.floor(p);
      loc[i] = (Math.floor(p) + 0.1 + 0.8 * frac + 0.5) / size;
    }
    const weights = tf.tensor3d(Float32Array.from({ length: G * M * C }, (_, i) => Math.sin(i * 1.3)), [G, M, C]);
    const loss = (v: tf.Tensor, l: tf.Tensor): tf.Scalar => tf.sum(tf.mul(bilinearSample(v as tf.Tensor4D, l as tf.Tensor3D), weights));
    const [dv, dl] = tf.grads(loss)([tf.tensor4d(value, [G, H, W, C]), tf.tensor3d(loc, [G, M, 2])]);
    const [dValue, dLoc] = [await dv!.data(), await dl!.data()];
    const lossAt = async (v: Float32Array, l: Float32Array) => (await loss(tf.tensor4d(v, [G, H, W, C]), tf.tensor3d(l, [G, M, 2])).data())[0]!;
    const eps = 1e-3;
    for (const i of [0, 7, 23, 41, 66, 97, 110]) {
      const [up, down] = [Float32Array.from(value), Float32Array.from(value)];
      up[i]! += eps;
      down[i]! -= eps;
      expect(dValue[i]).toBeCloseTo(((await lossAt(up, loc)) - (await lossAt(down, loc))) / (2 * eps), 2);
    }
    let moved = 0;
    for (let i = 0; i < loc.length; i++) {
      const [up, down] = [Float32Array.from(loc), Float32Array.from(loc)];
      up[i]! += eps / 10;
      down[i]! -= eps / 10;
      const numeric = ((await lossAt(value, up)) - (await lossAt(value, down))) / (2 * eps / 10);
      expect(dLoc[i]).toBeCloseTo(numeric, 1);
      if (Math.abs(numeric) > 0.1) moved++;
    }
    expect(moved).toBeGreaterThan(loc.length / 2); // the check compared real slopes, not zeros
  });

  it('leaves no tensors behind', () => {
    const { value, loc } = randomInputs(4, -0.2, 1.2);
    const [v, l] = [tf.tensor4d(value, [G, H, W, C]), tf.tensor3d(loc, [G, M, 2])];
    const before = tf.memory().numTensors;
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D)))([v, l]);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bilinearSampleRows', () => {
  it('reads maps of different sizes stacked as rows as each map alone, values and gradients', async () => {
    // Map a is 3×4, map b 2×5; the M points alternate between them.
    const rng = mulberry32(6);
    const a = tf.tensor4d(Float32Array.from({ length: G * 12 * C }, () => rng() * 2 - 1), [G, 3, 4, C]);
    const b = tf.tensor4d(Float32Array.from({ length: G * 10 * C }, () => rng() * 2 - 1), [G, 2, 5, C]);
    const la = tf.tensor3d(Float32Array.from({ length: G * 4 * 2 }, () => rng() * 1.2 - 0.1), [G, 4, 2]);
    const lb = tf.tensor3d(Float32Array.from({ length: G * 4 * 2 }, () => rng() * 1.2 - 0.1), [G, 4, 2]);
    const onA = [true, false, true, false, true, false, true, false];
    const grid = {
      widths: Float32Array.from(onA, (x) => (x ? 4 : 5)),
      heights: Float32Array.from(onA, (x) => (x ? 3 : 2)),
      starts: Float32Array.from(onA, (x) => (x ? 0 : 12)),
      rows: 22,
    };
    const weights = tf.tensor3d(Float32Array.from({ length: G * 8 * C }, (_, i) => Math.cos(i * 0.7)), [G, 8, C]);
    const interleave = (x: tf.Tensor3D, y: tf.Tensor3D) => tf.reshape(tf.stack([x, y], 2), [G, 8, x.shape[2]]) as tf.Tensor3D; // [G, 8, ·], a and b alternating
    const stacked = (va: tf.Tensor, vb: tf.Tensor, pa: tf.Tensor, pb: tf.Tensor) =>
      bilinearSampleRows(tf.concat([tf.reshape(va, [G, 12, C]), tf.reshape(vb, [G, 10, C])], 1) as tf.Tensor3D, grid, interleave(pa as tf.Tensor3D, pb as tf.Tensor3D));
    const apart = (va: tf.Tensor, vb: tf.Tensor, pa: tf.Tensor, pb: tf.Tensor) =>
      interleave(bilinearSample(va as tf.Tensor4D, pa as tf.Tensor3D), bilinearSample(vb as tf.Tensor4D, pb as tf.Tensor3D));
    const both = [stacked, apart].map((read) => {
      const out = read(a, b, la, lb);
      const grads = tf.grads((va: tf.Tensor, vb: tf.Tensor, pa: tf.Tensor, pb: tf.Tensor) => tf.sum(tf.mul(read(va, vb, pa, pb), weights)))([a, b, la, lb]);
      return [out, ...grads];
    });
    const [got, want] = await Promise.all(both.map((ts) => Promise.all(ts.map((t) => t.data()))));
    want!.forEach((w, i) => {
      expect(w.some((x) => x !== 0), `tensor ${i} is not all zeros`).toBe(true);
      w.forEach((x, j) => expect(got![i]![j]).toBeCloseTo(x, 5));
    });
    expect(() => bilinearSampleRows(tf.zeros([G, 21, C]), grid, tf.zeros([G, 8, 2]))).toThrow(/expected 22 rows and 8 locations, got 21 and 8/);
  });
});

describe('bilinearSample on wasm', () => {
  async function run(backend: NodeBackend): Promise<{ out: Float32Array; dValue: Float32Array; dLoc: Float32Array }> {
    await switchBackend(backend);
    // 7 points in 3×4 maps, some outside: several read the same cell, whose gradients must add up.
    const { value, loc } = randomInputs(5, -0.2, 1.2);
    const [v, l] = [tf.tensor4d(value, [G, H, W, C]), tf.tensor3d(loc, [G, M, 2])];
    const weights = tf.tensor3d(Float32Array.from({ length: G * M * C }, (_, i) => Math.sin(i + 1)), [G, M, C]);
    const out = bilinearSample(v, l);
    const [dv, dl] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(bilinearSample(a as tf.Tensor4D, b as tf.Tensor3D), weights)))([v, l]);
    const result = { out: await out.data<'float32'>(), dValue: await dv!.data<'float32'>(), dLoc: await dl!.data<'float32'>() };
    tf.dispose([v, l, weights, out, dv!, dl!]);
    return result;
  }

  it('gives the CPU backend\'s values and gradients (its value gradient scatters with ScatterNd)', async () => {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.out.forEach((x, i) => expect(wasm.out[i]).toBeCloseTo(x, 5));
    cpu.dValue.forEach((x, i) => expect(wasm.dValue[i]).toBeCloseTo(x, 5));
    cpu.dLoc.forEach((x, i) => expect(wasm.dLoc[i]).toBeCloseTo(x, 4));
    expect(cpu.dValue.filter((x) => x !== 0).length, 'cells that received a gradient').toBeGreaterThan(10);
  });
});
