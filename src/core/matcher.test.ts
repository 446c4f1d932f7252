// Matcher invariants, as in detr's tests: the cost matrix equals a plain-JS recomputation (softmax
// and focal class costs), batched matching equals per-image matching, each layer's matching equals
// matching that layer alone, permuting the queries permutes the matching, predictions sitting on
// the targets are matched to them, empty targets give empty matches, one readback per call (none
// without targets), bad targets are refused, and no tensor leaks.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { boxCxcywh, boxGiou, toXyxy } from './boxes';
import {
  batchedCostMatrix,
  hungarianMatch,
  hungarianMatchLayers,
  matchingCostMatrix,
  type DetrOutputs,
  type ImageTargets,
  type Match,
  type MatchCostConfig,
} from './matcher';
import { mulberry32, randInt, randNormal, type Rng } from './rng';

const CE: MatchCostConfig = { costClass: 2, costL1: 5, costGiou: 2, loss: 'ce', focalAlpha: 0.25, focalGamma: 2 };
const FOCAL: MatchCostConfig = { ...CE, loss: 'focal' };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

function randomBox(rng: Rng): number[] {
  return [0.2 + 0.6 * rng(), 0.2 + 0.6 * rng(), 0.05 + 0.3 * rng(), 0.05 + 0.3 * rng()];
}

function randomTargets(rng: Rng, T: number, K: number): ImageTargets {
  return {
    classes: Int32Array.from({ length: T }, () => randInt(rng, K)),
    boxes: Float32Array.from(Array.from({ length: T }, () => randomBox(rng)).flat()),
  };
}

/** Random outputs as plain arrays ([B][Q][K+1] and [B][Q][4]) and as tensors. */
function randomOutputs(rng: Rng, B: number, Q: number, K: number) {
  const logits = Array.from({ length: B }, () => Array.from({ length: Q }, () => Array.from({ length: K + 1 }, () => 2 * randNormal(rng))));
  const boxes = Array.from({ length: B }, () => Array.from({ length: Q }, () => randomBox(rng)));
  const tensors: DetrOutputs = { logits: tf.tensor3d(logits), boxes: tf.tensor3d(boxes) };
  return { logits, boxes, tensors };
}

/** The matching cost recomputed with plain numbers and boxes.ts's plain GIoU. */
function plainCost(logits: number[], box: number[], cls: number, tgt: number[], cfg: MatchCostConfig): number {
  const z = logits[cls] ?? NaN;
  let classCost: number;
  if (cfg.loss === 'ce') {
    const m = Math.max(...logits);
    const sum = logits.reduce((s, l) => s + Math.exp(l - m), 0);
    classCost = -Math.exp(z - m) / sum;
  } else {
    const p = 1 / (1 + Math.exp(-z));
    const pos = cfg.focalAlpha * (1 - p) ** cfg.focalGamma * -Math.log(p + 1e-8);
    const neg = (1 - cfg.focalAlpha) * p ** cfg.focalGamma * -Math.log(1 - p + 1e-8);
    classCost = pos - neg;
  }
  const l1 = box.reduce((s, v, i) => s + Math.abs(v - (tgt[i] ?? NaN)), 0);
  const [a, b] = [box, tgt].map((q) => toXyxy(boxCxcywh(q[0] ?? NaN, q[1] ?? NaN, q[2] ?? NaN, q[3] ?? NaN)));
  const giou = a && b ? boxGiou(a, b) : NaN;
  return cfg.costClass * classCost + cfg.costL1 * l1 - cfg.costGiou * giou;
}

function pairs(m: Match | undefined): string[] {
  return [...(m?.queryIdx ?? [])].map((q, i) => `${q}:${m?.targetIdx[i]}`);
}

describe('matching cost matrix', () => {
  for (const cfg of [CE, FOCAL]) {
    it(`equals a plain-JS recomputation (${cfg.loss})`, async () => {
      const rng = mulberry32(cfg.loss === 'ce' ? 1 : 2);
      const [Q, K] = [7, 5];
      const out = randomOutputs(rng, 1, Q, K);
      const tgt = randomTargets(rng, 4, K);
      const logits = tf.squeeze<tf.Tensor2D>(out.tensors.logits, [0]);
      const boxes = tf.squeeze<tf.Tensor2D>(out.tensors.boxes, [0]);
      const cost = matchingCostMatrix(logits, boxes, tgt, cfg);
      expect(cost.shape).toEqual([Q, 4]);
      const got = await cost.data();
      for (let q = 0; q < Q; q++) {
        for (let t = 0; t < 4; t++) {
          const want = plainCost(out.logits[0]?.[q] ?? [], out.boxes[0]?.[q] ?? [], tgt.classes[t] ?? 0, [...tgt.boxes.subarray(4 * t, 4 * t + 4)], cfg);
          expect(got[q * 4 + t]).toBeCloseTo(want, 4);
        }
      }
      tf.dispose([logits, boxes, cost, out.tensors.logits, out.tensors.boxes]);
    });
  }

  it('batched matrix holds each image’s own matrix in its diagonal block', async () => {
    const rng = mulberry32(3);
    const [B, Q, K] = [3, 6, 4];
    const out = randomOutputs(rng, B, Q, K);
    const targets = [randomTargets(rng, 2, K), randomTargets(rng, 0, K), randomTargets(rng, 3, K)];
    const cost = batchedCostMatrix(out.tensors, targets, CE);
    expect(cost.shape).toEqual([B * Q, 5]);
    const all = await cost.data();
    let col = 0;
    for (let b = 0; b < B; b++) {
      const T = targets[b]?.classes.length ?? 0;
      for (let q = 0; q < Q; q++) {
        for (let t = 0; t < T; t++) {
          const want = plainCost(out.logits[b]?.[q] ?? [], out.boxes[b]?.[q] ?? [], targets[b]?.classes[t] ?? 0, [...(targets[b]?.boxes.subarray(4 * t, 4 * t + 4) ?? [])], CE);
          expect(all[(b * Q + q) * 5 + col + t]).toBeCloseTo(want, 4);
        }
      }
      col += T;
    }
    tf.dispose([cost, out.tensors.logits, out.tensors.boxes]);
  });
});

describe('hungarianMatch', () => {
  it('batched matching equals per-image matching, for every layer, with one readback', async () => {
    const rng = mulberry32(4);
    const [B, Q, K, L] = [4, 12, 6, 3];
    const layers = Array.from({ length: L }, () => randomOutputs(rng, B, Q, K).tensors);
    const targets = [3, 0, 5, 1].map((T) => randomTargets(rng, T, K));
    const spy = vi.spyOn(tf.Tensor.prototype, 'data');
    const perLayer = await hungarianMatchLayers(layers, targets, CE);
    expect(spy.mock.calls.length).toBe(1);
    spy.mockRestore();
    for (let l = 0; l < L; l++) {
      const layer = layers[l] as DetrOutputs;
      expect((await hungarianMatch(layer, targets, CE)).map(pairs)).toEqual(perLayer[l]?.map(pairs));
      for (let b = 0; b < B; b++) {
        const one = tf.tidy(() => ({ logits: tf.slice(layer.logits, [b, 0, 0], [1, Q, K + 1]), boxes: tf.slice(layer.boxes, [b, 0, 0], [1, Q, 4]) }));
        const [alone] = await hungarianMatch(one, [targets[b] as ImageTargets], CE);
        expect(pairs(alone)).toEqual(pairs(perLayer[l]?.[b]));
        expect(alone?.queryIdx.length).toBe(targets[b]?.classes.length);
        tf.dispose([one.logits, one.boxes]);
      }
    }
    tf.dispose(layers.flatMap((o) => [o.logits, o.boxes]));
  });

  it('matches predictions that sit on the targets to those targets', async () => {
    const rng = mulberry32(5);
    const [Q, K] = [10, 3];
    const out = randomOutputs(rng, 1, Q, K);
    const on = [7, 2, 5]; // target t is predicted exactly by query on[t]
    const boxes = out.boxes[0] ?? [];
    const targets: ImageTargets[] = [
      { classes: Int32Array.from([0, 1, 2]), boxes: Float32Array.from(on.flatMap((q) => boxes[q] ?? [])) },
    ];
    const logits = tf.tensor3d([Array.from({ length: Q }, (_, q) => [0, 1, 2, 3].map((c) => (on.indexOf(q) === c ? 8 : 0)))]);
    const [m] = await hungarianMatch({ logits, boxes: out.tensors.boxes }, targets, CE);
    expect(pairs(m)).toEqual(['2:1', '5:2', '7:0']);
    tf.dispose([logits, out.tensors.logits, out.tensors.boxes]);
  });

  it('permuting the queries permutes the matching', async () => {
    const rng = mulberry32(6);
    const [Q, K] = [9, 4];
    const out = randomOutputs(rng, 2, Q, K);
    const targets = [randomTargets(rng, 4, K), randomTargets(rng, 2, K)];
    const perm = [4, 8, 0, 3, 7, 1, 6, 2, 5]; // new query q is old query perm[q]
    const idx = tf.tensor1d(perm, 'int32');
    const permuted = tf.tidy(() => ({ logits: tf.gather(out.tensors.logits, idx, 1), boxes: tf.gather(out.tensors.boxes, idx, 1) }));
    const before = await hungarianMatch(out.tensors, targets, CE);
    const after = await hungarianMatch(permuted, targets, CE);
    const asOld = (m: Match | undefined): string[] => pairs(m).map((p) => p.split(':')).map(([q, t]) => `${perm[Number(q)]}:${t}`).sort();
    after.forEach((m, b) => expect(asOld(m)).toEqual(pairs(before[b]).sort()));
    tf.dispose([idx, permuted.logits, permuted.boxes, out.tensors.logits, out.tensors.boxes]);
  });

  it('gives empty matches for empty targets without reading anything back', async () => {
    const out = randomOutputs(mulberry32(7), 2, 5, 3);
    const empty: ImageTargets = { classes: new Int32Array(0), boxes: new Float32Array(0) };
    const spy = vi.spyOn(tf.Tensor.prototype, 'data');
    const matches = await hungarianMatch(out.tensors, [empty, empty], CE);
    expect(spy).not.toHaveBeenCalled();
    expect(matches.map(pairs)).toEqual([[], []]);
    const cost = matchingCostMatrix(tf.zeros([5, 4]), tf.zeros([5, 4]), empty, CE);
    expect(cost.shape).toEqual([5, 0]);
    tf.dispose([cost, out.tensors.logits, out.tensors.boxes]);
  });

  it('refuses targets that do not fit the outputs', async () => {
    const out = randomOutputs(mulberry32(8), 1, 4, 3);
    const bad = (classes: number[], n: number): ImageTargets[] => [{ classes: Int32Array.from(classes), boxes: new Float32Array(n) }];
    await expect(hungarianMatch(out.tensors, bad([3], 4), CE)).rejects.toThrow(/expected class ids in \[0, 3\), got 3/);
    await expect(hungarianMatch(out.tensors, bad([0], 3), CE)).rejects.toThrow(/expected 4 box values for 1 classes, got 3/);
    await expect(hungarianMatch(out.tensors, [], CE)).rejects.toThrow(/expected targets for 1 images, got 0/);
    tf.dispose([out.tensors.logits, out.tensors.boxes]);
  });

  it('leaks no tensor', async () => {
    const rng = mulberry32(9);
    const layers = [randomOutputs(rng, 2, 8, 4).tensors, randomOutputs(rng, 2, 8, 4).tensors];
    const targets = [randomTargets(rng, 3, 4), randomTargets(rng, 1, 4)];
    const run = async (): Promise<void> => {
      await hungarianMatchLayers(layers, targets, FOCAL);
      await hungarianMatch(layers[0] as DetrOutputs, targets, CE);
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(layers.flatMap((o) => [o.logits, o.boxes]));
  });
});
