import { describe, expect, it } from 'vitest';
import { bestClasses, keepClasses } from './classSelection';

const image = (clusters: number[], scores: number[]) => ({ clusters: Int32Array.from(clusters), scores: Float32Array.from(scores) });

describe('bestClasses', () => {
  // Means over both images: class 0 = (0.9 + 0.7) / 2 = 0.8, class 1 = 0.2, class 2 = (0.5 + 0.6 + 0.4) / 3 = 0.5.
  const images = [image([0, 1, 2, -1], [0.9, 0.2, 0.5, 1]), image([2, 0, 2], [0.6, 0.7, 0.4])];

  it('keeps the share of classes with the highest mean proposal score', () => {
    expect(bestClasses(images, 1)).toEqual(new Set([0, 1, 2]));
    expect(bestClasses(images, 0.5)).toEqual(new Set([0, 2])); // ceil(0.5 · 3) = 2
    expect(bestClasses(images, 0.34)).toEqual(new Set([0, 2])); // ceil(1.02) = 2
    expect(bestClasses(images, 0.33)).toEqual(new Set([0]));
  });

  it('ignores proposals without a class, ranks only classes that have proposals, and breaks ties by id', () => {
    expect(bestClasses([image([-1, -1], [1, 1])], 1)).toEqual(new Set());
    expect(bestClasses([image([5, 3], [0.5, 0.5])], 0.5)).toEqual(new Set([3]));
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => bestClasses(images, 0)).toThrow('expected a share in (0, 1], got 0');
    expect(() => bestClasses(images, 1.5)).toThrow('got 1.5');
    expect(() => bestClasses(images, Number.NaN)).toThrow('got NaN');
  });
});

describe('keepClasses', () => {
  it('sets the classes not kept to −1 and leaves the rest', () => {
    expect(Array.from(keepClasses(Int32Array.from([0, 1, 2, -1, 2]), new Set([2, 0])))).toEqual([0, -1, 2, -1, 2]);
  });
});
