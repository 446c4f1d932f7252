// Proposals on a synthetic feature map: two rectangles of distinct features on a noisy background
// must come out as the two best boxes; a uniform map gives none; embeddings point where the
// regions' features point; pseudo-labels group like embeddings; nothing leaks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxIou, boxXyxy, type BoxXyxy } from './boxes';
import { maskToBox } from './components';
import { DEFAULT_PROPOSAL_CONFIG, type ProposalConfig } from './proposalConfig';
import { imageProposals, proposalEmbeddings, pseudoLabels } from './proposals';
import { mulberry32, randNormal } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const H = 16;
const W = 16;
const C = 8;
const STRIDE = 16;
const SIZE = { width: W * STRIDE, height: H * STRIDE };
const cfg: ProposalConfig = { ...DEFAULT_PROPOSAL_CONFIG, seed: 1 };

/** Rectangles in cells, half-open [x0, y0, x1, y1], each with its own one-hot feature channel. */
const RECTS: readonly [number, number, number, number][] = [
  [3, 2, 10, 7],
  [8, 9, 14, 15],
];
const EXPECTED: BoxXyxy[] = RECTS.map(([x0, y0, x1, y1]) =>
  boxXyxy(x0 * STRIDE, y0 * STRIDE, x1 * STRIDE, y1 * STRIDE),
);

function channelAt(x: number, y: number): number {
  const r = RECTS.findIndex(([x0, y0, x1, y1]) => x >= x0 && x < x1 && y >= y0 && y < y1);
  return r + 1; // 0 is the background's channel
}

function syntheticFeatures(noise: number, seed: number): tf.Tensor4D {
  const rng = mulberry32(seed);
  const v = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < C; c++) v[(y * W + x) * C + c] = noise * randNormal(rng);
      const i = (y * W + x) * C + channelAt(x, y);
      v[i] = (v[i] ?? 0) + 1;
    }
  }
  return tf.tensor4d(v, [1, H, W, C]);
}

describe('imageProposals', () => {
  it('finds the two rectangles as the two best proposals (IoU > 0.9)', async () => {
    const f = syntheticFeatures(0.08, 3);
    const props = await imageProposals(f, SIZE, cfg);
    f.dispose();
    expect(props.length).toBeGreaterThanOrEqual(2);
    expect(props.length).toBeLessThanOrEqual(cfg.maxPerImage);
    const top = props.slice(0, 2).map((p) => p.box);
    for (const want of EXPECTED) expect(Math.max(...top.map((b) => boxIou(b, want)))).toBeGreaterThan(0.9);
    // Best first; NMS leaves no pair above the threshold; boxes inside the image and in range.
    props.slice(1).forEach((p, i) => expect(p.score).toBeLessThanOrEqual(props[i]?.score ?? Infinity));
    props.forEach((p, i) =>
      props.slice(i + 1).forEach((q) => expect(boxIou(p.box, q.box)).toBeLessThanOrEqual(cfg.nmsIou)),
    );
    for (const p of props) {
      const [x0, y0, x1, y1] = p.box;
      expect(x0 >= 0 && y0 >= 0 && x1 <= SIZE.width && y1 <= SIZE.height && x1 > x0 && y1 > y0).toBe(true);
      const area = ((x1 - x0) * (y1 - y0)) / (SIZE.width * SIZE.height);
      expect(area >= cfg.minAreaFrac && area <= cfg.maxAreaFrac).toBe(true);
      expect(cfg.granularities).toContain(p.granularity);
      // The box is the mask's tight box, scaled by the stride.
      expect(p.mask).toHaveLength(H * W);
      expect(maskToBox(p.mask, H, W)?.map((v) => v * STRIDE)).toEqual([...p.box]);
    }
  });

  it('is deterministic and honours the cap', async () => {
    const f = syntheticFeatures(0.08, 4);
    const a = await imageProposals(f, SIZE, cfg);
    const b = await imageProposals(f, SIZE, cfg);
    const one = await imageProposals(f, SIZE, { ...cfg, maxPerImage: 1 });
    f.dispose();
    expect(b).toEqual(a);
    expect(one).toEqual(a.slice(0, 1));
  });

  it('gives an empty list for a featureless image', async () => {
    const f = tf.ones([1, H, W, C]) as tf.Tensor4D;
    expect(await imageProposals(f, SIZE, cfg)).toEqual([]);
    f.dispose();
  });

  it('rejects a batch and a feature map that does not fit the image size', async () => {
    const f = tf.ones([2, H, W, C]) as tf.Tensor4D;
    await expect(imageProposals(f, SIZE, cfg)).rejects.toThrow(/\[1, h, w, C\], got \[2,16,16,8\]/);
    f.dispose();
    const g = tf.ones([1, H, W, C]) as tf.Tensor4D;
    await expect(imageProposals(g, { width: 512, height: 256 }, cfg)).rejects.toThrow(/got 16×16/);
    g.dispose();
  });
});

describe('proposalEmbeddings and pseudoLabels', () => {
  it('embeds each proposal as the unit mask-average of its features', async () => {
    const f = syntheticFeatures(0.05, 5);
    const props = await imageProposals(f, SIZE, cfg);
    const e = proposalEmbeddings(f, props);
    expect(e.shape).toEqual([props.length, C]);
    const v = await e.data();
    tf.dispose([f, e]);
    props.forEach((p, i) => {
      const row = Array.from(v.subarray(i * C, (i + 1) * C));
      expect(Math.hypot(...row)).toBeCloseTo(1, 4);
      const r = EXPECTED.findIndex((want) => boxIou(p.box, want) > 0.9);
      if (r >= 0) expect(row[r + 1]).toBeGreaterThan(0.99); // the rectangle's own channel
    });
    const none = proposalEmbeddings(tf.ones([1, H, W, C]) as tf.Tensor4D, []);
    expect(none.shape).toEqual([0, C]);
    none.dispose();
  });

  it('groups like embeddings, and lowers K with a note when there are fewer proposals', async () => {
    const rng = mulberry32(6);
    const truth = Array.from({ length: 12 }, (_, i) => i % 3);
    const rows = truth.map((t) =>
      Array.from({ length: C }, (_, c) => (c === t ? 1 : 0) + 0.05 * randNormal(rng)),
    );
    const e = tf.tensor2d(rows);
    const three = await pseudoLabels(e, 3, 0);
    const many = await pseudoLabels(e, 64, 0);
    e.dispose();
    expect(three.K).toBe(3);
    expect(three.note).toBeUndefined();
    expect(three.centroids).toHaveLength(3 * C);
    truth.forEach((t, i) =>
      truth.forEach((u, j) => expect(three.clusterIds[i] === three.clusterIds[j]).toBe(t === u)),
    );
    expect(many.K).toBe(12);
    expect(many.note).toMatch(/k lowered from 64 to 12/);
  });

  it('leaks no tensor across proposals, embeddings and pseudo-labels', async () => {
    const f = syntheticFeatures(0.08, 7);
    const round = async (): Promise<void> => {
      const props = await imageProposals(f, SIZE, cfg);
      const e = proposalEmbeddings(f, props);
      await pseudoLabels(e, 4, 0);
      e.dispose();
    };
    await round();
    const before = tf.memory().numTensors;
    await round();
    expect(tf.memory().numTensors).toBe(before);
    f.dispose();
  });
});
