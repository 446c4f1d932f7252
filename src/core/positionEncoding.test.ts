// The sine position encoding against detr's PositionEmbeddingSine(normalize=True) written out in plain
// JS (with and without padding), and the feature-grid padding mask.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureNotMask, sinePositionEncoding } from './positionEncoding';

/** detr's formula, loop by loop: returns [B][y][x][D] with D/2 y-channels first. */
function reference(notMask: number[][][], d: number, temperature = 10000): number[][][][] {
  const f = d / 2;
  const dimT = Array.from({ length: f }, (_, k) => temperature ** ((2 * Math.floor(k / 2)) / f));
  return notMask.map((m) => {
    const h = m.length;
    const w = m[0]!.length;
    const cum = (y: number, x: number, axis: 'y' | 'x'): number => {
      let s = 0;
      if (axis === 'y') for (let i = 0; i <= y; i++) s += m[i]![x]!;
      else for (let j = 0; j <= x; j++) s += m[y]![j]!;
      return s;
    };
    return m.map((row, y) =>
      row.map((_, x) => {
        const yEmbed = (cum(y, x, 'y') / (cum(h - 1, x, 'y') + 1e-6)) * 2 * Math.PI;
        const xEmbed = (cum(y, x, 'x') / (cum(y, w - 1, 'x') + 1e-6)) * 2 * Math.PI;
        const channels = (e: number) => dimT.map((t, k) => (k % 2 === 0 ? Math.sin(e / t) : Math.cos(e / t)));
        return [...channels(yEmbed), ...channels(xEmbed)];
      }),
    );
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('sinePositionEncoding', () => {
  it('matches detr on a 3×5 grid without padding and on a padded image', () => {
    const full = Array.from({ length: 3 }, () => [1, 1, 1, 1, 1]);
    const padded = [
      [1, 1, 1, 0, 0],
      [1, 1, 1, 0, 0],
      [0, 0, 0, 0, 0],
    ];
    const d = 16;
    const pos = sinePositionEncoding(tf.tensor3d([full, padded]), d);
    expect(pos.shape).toEqual([2, 3, 5, d]);
    const ours = (pos.arraySync() as number[][][][]).flat(3);
    const expected = reference([full, padded], d).flat(3);
    expect(ours.length).toBe(expected.length);
    const worst = Math.max(...ours.map((v, i) => Math.abs(v - expected[i]!)));
    expect(worst).toBeLessThan(1e-5);
    pos.dispose();
  });

  it('encodes the real cells of a padded image like the same image unpadded', () => {
    const pos = sinePositionEncoding(tf.tensor3d([[[1, 1, 0], [1, 1, 0]], [[1, 1, 1], [1, 1, 1]]]), 8);
    const small = sinePositionEncoding(tf.ones([1, 2, 2]) as tf.Tensor3D, 8);
    const realCells = tf.slice(pos, [0, 0, 0, 0], [1, 2, 2, 8]);
    expect(Array.from(realCells.dataSync())).toEqual(Array.from(small.dataSync()));
    tf.dispose([pos, small, realCells]);
  });

  it('refuses a width that is not a multiple of 4', () => {
    expect(() => sinePositionEncoding(tf.ones([1, 2, 2]) as tf.Tensor3D, 6)).toThrow(/multiple of 4, got 6/);
  });
});

describe('featureNotMask', () => {
  it('marks each image top-left cells whose stride window starts inside it', () => {
    const mask = featureNotMask([{ height: 64, width: 96 }, { height: 33, width: 16 }], { h: 4, w: 6 }, 16);
    expect(mask.arraySync()).toEqual([
      Array.from({ length: 4 }, () => [1, 1, 1, 1, 1, 1]),
      [[1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
    ]);
    mask.dispose();
  });
});
