// The stage driver on the real encoder weights (CPU backend): shapes, determinism, no leaks.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MobileNetV2Weights } from './mobilenetV2';
import { DEFAULT_PROPOSAL_CONFIG } from './proposalConfig';
import { clusterProposals, proposeImage, type RgbaImage } from './proposalStage';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;

/** Two flat-coloured rectangles on a textured background. */
function scene(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inA = x >= 16 && x < 80 && y >= 16 && y < 64;
      const inB = x >= 96 && x < 144 && y >= 48 && y < 112;
      const stripe = ((x >> 2) + (y >> 2)) % 2 === 0 ? 200 : 160;
      data[i] = inA ? 230 : inB ? 20 : stripe;
      data[i + 1] = inA ? 30 : inB ? 40 : stripe;
      data[i + 2] = inA ? 30 : inB ? 220 : stripe - 40;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
});

describe('proposal stage', () => {
  const cfg = { ...DEFAULT_PROPOSAL_CONFIG, granularities: [2, 3, 4], numClusters: 4 };

  it('gives proposals inside the image with unit embeddings, deterministically', async () => {
    const image = scene(160, 128);
    const a = await proposeImage(encoder, image, cfg);
    expect(a.grid).toEqual({ h: 8, w: 10 });
    expect(a.channels).toBe(136);
    expect(a.proposals.length).toBeGreaterThan(0);
    expect(a.embeddings.length).toBe(a.proposals.length * 136);
    for (const p of a.proposals) {
      const [x1, y1, x2, y2] = p.box;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(160);
      expect(y2).toBeLessThanOrEqual(128);
    }
    for (let p = 0; p < a.proposals.length; p++) {
      const row = a.embeddings.subarray(p * 136, (p + 1) * 136);
      expect(Math.hypot(...row)).toBeCloseTo(1, 4);
    }
    const b = await proposeImage(encoder, image, cfg);
    expect(b.proposals.map((p) => [...p.box])).toEqual(a.proposals.map((p) => [...p.box]));
    expect(b.embeddings).toEqual(a.embeddings);
  });

  it('clusters proposals of several images and leaks no tensors', async () => {
    const results = [await proposeImage(encoder, scene(160, 128), cfg)];
    const before = tf.memory().numTensors;
    results.push(await proposeImage(encoder, scene(128, 160), cfg));
    const labels = await clusterProposals(results.map((r) => r.embeddings), 136, cfg);
    expect(tf.memory().numTensors).toBe(before);
    const total = results.reduce((n, r) => n + r.proposals.length, 0);
    expect(labels.clusterIds.length).toBe(total);
    expect(labels.K).toBe(Math.min(4, total));
    for (const id of labels.clusterIds) expect(id >= 0 && id < labels.K).toBe(true);
  });

  it('rejects pixels that do not match the size', async () => {
    await expect(proposeImage(encoder, { width: 4, height: 4, data: new Uint8Array(10) }, cfg)).rejects.toThrow(/expected 4×4×4 = 64 RGBA bytes, got 10/);
  });
});
