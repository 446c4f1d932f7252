import { describe, expect, it } from 'vitest';
import { boxAtPoint, boxOnView, fitTransform } from './boxTransform';

describe('fitTransform', () => {
  it('fill stretches each axis on its own', () => {
    expect(fitTransform(200, 100, 100, 100, 'fill')).toEqual({ sx: 0.5, sy: 1, dx: 0, dy: 0 });
  });

  it('cover scales the short side to the element and centres the overflow', () => {
    // A 480×320 image in a 116×116 thumbnail: height fills, width overflows by (174 − 116) / 2 each side.
    const t = fitTransform(480, 320, 116, 116, 'cover');
    expect(t.sx).toBeCloseTo(116 / 320);
    expect(t.sy).toBe(t.sx);
    expect(t.dx).toBeCloseTo((116 - 480 * (116 / 320)) / 2);
    expect(t.dy).toBeCloseTo(0);
    // The image centre lands on the element centre.
    expect(240 * t.sx + t.dx).toBeCloseTo(58);
  });

  it('contain letterboxes the long side', () => {
    const t = fitTransform(320, 480, 100, 100, 'contain');
    expect(t.sy).toBeCloseTo(100 / 480);
    expect(t.dx).toBeCloseTo((100 - 320 * t.sx) / 2);
    expect(t.dy).toBeCloseTo(0);
  });
});

describe('boxAtPoint', () => {
  const boxes = Float32Array.from([0, 0, 100, 100, 10, 10, 30, 30, 80, 80, 90, 90]);
  const t = fitTransform(100, 100, 50, 50, 'fill');

  it('maps boxes to the element', () => {
    expect(boxOnView(t, boxes, 1)).toEqual([5, 5, 10, 10]);
  });

  it('picks the smallest box under the point and none outside', () => {
    expect(boxAtPoint(t, boxes, 7, 7)).toBe(1);
    expect(boxAtPoint(t, boxes, 30, 30)).toBe(0);
    expect(boxAtPoint(t, boxes, 60, 10)).toBeNull();
  });
});
