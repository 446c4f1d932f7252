import { describe, expect, it } from 'vitest';
import type { CocoDataset } from '../../src/core/cocoFormat';
import { splitImages } from './downstreamData';

const data: CocoDataset = {
  images: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, file_name: `im${i + 1}.jpg`, width: 200, height: 100 })),
  categories: [{ id: 7, name: 'b' }, { id: 3, name: 'a' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 7, bbox: [20, 10, 40, 20], area: 800, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 3, bbox: [0, 0, 200, 100], area: 20000, iscrowd: 1 },
    { id: 3, image_id: 2, category_id: 3, bbox: [100, 50, 100, 50], area: 5000, iscrowd: 0 },
  ],
};

describe('splitImages', () => {
  it('keeps ceil(fraction · N) images to train, the rest held out, disjoint and complete', () => {
    const s = splitImages(data, 0.1, 0);
    expect(s.train).toHaveLength(2);
    expect(s.held).toHaveLength(18);
    const ids = [...s.train, ...s.held].map((im) => im.id).sort((a, b) => a - b);
    expect(ids).toEqual(data.images.map((im) => im.id));
    expect(s.numClasses).toBe(2);
  });

  it('is the same split for the same seed and another for another seed', () => {
    const ids = (seed: number) => splitImages(data, 0.25, seed).train.map((im) => im.id);
    expect(ids(4)).toEqual(ids(4));
    expect(ids(4)).not.toEqual(ids(5));
  });

  it('makes cxcywh targets in [0, 1] with class indices in category-id order, crowd boxes left out', () => {
    const s = splitImages(data, 0.5, 1);
    const im1 = [...s.train, ...s.held].find((im) => im.id === 1)!;
    expect(Array.from(im1.targets.classes)).toEqual([1]); // category 7 is index 1 (ids sorted: 3, 7)
    expect(Array.from(im1.targets.boxes)).toEqual([0.2, 0.2, 0.2, 0.2].map(Math.fround));
    expect(im1.annotations).toHaveLength(2); // the crowd box stays for evaluation
    expect(im1.categoryIds).toEqual([3, 7]);
  });

  it('trains on at least one image and holds out at least one', () => {
    expect(splitImages(data, 0.001, 0).train).toHaveLength(1);
    expect(splitImages(data, 0.999, 0).held).toHaveLength(1);
    expect(() => splitImages({ ...data, images: data.images.slice(0, 1) }, 0.5, 0)).toThrow(/at least 2/);
  });
});
