import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDetections, DEFAULT_SELF_TRAINING, proposalsToTargets } from './trainData';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('proposalsToTargets', () => {
  it('normalises pixel xyxy to cxcywh and drops unclustered proposals', () => {
    const t = proposalsToTargets(Float32Array.from([10, 20, 50, 60, 0, 0, 5, 5, 100, 0, 200, 100]), Int32Array.from([3, -1, 0]), 200, 100);
    expect(Array.from(t.classes)).toEqual([3, 0]);
    expect(Array.from(t.boxes)).toEqual([0.15, 0.4, 0.2, 0.4, 0.75, 0.5, 0.5, 1].map((v) => Math.fround(v)));
  });
});

describe('decodeDetections', () => {
  const K = 2;
  // Query 0: class 1 with p ≈ 0.98; query 1: "no object" wins; query 2: class 0 but p < 0.5;
  // query 3: class 1, same box as query 0, a little less sure (NMS removes it).
  const logits = Float32Array.from([0, 5, 1, 0, 0, 6, 0.2, 0, 0.4, 0, 4.5, 1]);
  const boxes = Float32Array.from([0.5, 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.3, 0.2, 0.2, 0.5, 0.5, 0.2, 0.2]);

  it('keeps confident real classes, never "no object", after NMS', () => {
    const d = decodeDetections(logits, boxes, K, DEFAULT_SELF_TRAINING);
    expect(Array.from(d.classes)).toEqual([1]);
    expect(d.scores[0]).toBeCloseTo(Math.exp(5) / (1 + Math.exp(5) + Math.exp(1)), 5);
    expect(Array.from(d.boxes)).toEqual(Array.from(boxes.subarray(0, 4)));
  });

  it('scores the best real class even where "no object" wins, so a low threshold keeps it', () => {
    const d = decodeDetections(logits, boxes, K, { ...DEFAULT_SELF_TRAINING, scoreThreshold: 0, nmsIou: 0.99 });
    expect(d.classes.length).toBe(3); // query 3 duplicates query 0's box (IoU 1 > 0.99)
    expect(Array.from(d.scores)).toEqual([...d.scores].sort((a, b) => b - a));
  });

  it('caps the count', () => {
    const d = decodeDetections(logits, boxes, K, { scoreThreshold: 0, nmsIou: 1, maxPerImage: 2 });
    expect(d.classes.length).toBe(2);
  });
});
