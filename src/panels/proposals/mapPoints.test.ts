import { describe, expect, it } from 'vitest';
import type { ProposalView } from '../../store/proposalsSlice';
import type { ImageProposals } from '../../worker/protocol';
import { insidePolygon, mapPoints, nearestPoint } from './mapPoints';

const image = (imageId: string, clusters: number[]): ImageProposals => ({
  imageId,
  boxes: new Float32Array(clusters.length * 4),
  scores: new Float32Array(clusters.length).fill(0.5),
  clusters: Int32Array.from(clusters),
});

function view(images: ImageProposals[], points: number): ProposalView {
  const result = {
    config: {} as never, K: 3, note: null, map: new Float32Array(points * 2).map((_, i) => i),
    mapExplained: [0.5, 0.2] as [number, number], clusterSizes: [], seconds: 1, finishedAt: 0,
    timings: { proposals: 1, clustering: 0, mapAndGallery: 0 },
  };
  return { byImage: Object.fromEntries(images.map((im) => [im.imageId, im])), result, gallery: [] };
}

describe('mapPoints', () => {
  // Hash-like ids in an order that is not sorted: the map follows the run's order.
  const ids = ['f00d', 'beef', '0a1b'].map((s) => s.padEnd(64, '7'));
  const images = [image(ids[0]!, [2, 0]), image(ids[1]!, []), image(ids[2]!, [1])];

  it('names each point by image and index in the run order', () => {
    const m = mapPoints(view(images, 3));
    if (typeof m === 'string') throw new Error(m);
    expect(m.refs).toEqual([{ imageId: ids[0], index: 0 }, { imageId: ids[0], index: 1 }, { imageId: ids[2], index: 0 }]);
    expect([...m.clusters]).toEqual([2, 0, 1]);
    expect(m.indexOf.get(`${ids[2]}:0`)).toBe(2);
  });

  it('refuses a map whose length does not match the proposals', () => {
    expect(typeof mapPoints(view(images, 4))).toBe('string');
  });
});

describe('lasso and click', () => {
  const square = [0, 0, 10, 0, 10, 10, 0, 10];
  it('tells inside from outside', () => {
    expect(insidePolygon(5, 5, square)).toBe(true);
    expect(insidePolygon(15, 5, square)).toBe(false);
  });
  it('finds the nearest point within reach only', () => {
    const screen = Float32Array.from([0, 0, 10, 10, 12, 12]);
    expect(nearestPoint(screen, 11.5, 11.5, 5)).toBe(2);
    expect(nearestPoint(screen, 50, 50, 5)).toBeNull();
  });
});
