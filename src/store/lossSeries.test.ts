import { describe, expect, it } from 'vitest';
import { LossSeries } from './lossSeries';

const point = (v: number) => ({ loss: v, class: v, l1: v, giou: v, lr: v, stepMs: v });

describe('LossSeries', () => {
  it('keeps the last `capacity` points in order and bumps its version on every change', () => {
    const s = new LossSeries(3);
    expect(s.length).toBe(0);
    for (let i = 1; i <= 5; i++) s.push(i, point(i * 10));
    expect(s.length).toBe(3);
    expect([0, 1, 2].map((j) => s.steps[s.at(j)])).toEqual([3, 4, 5]);
    expect([0, 1, 2].map((j) => s.values.loss[s.at(j)])).toEqual([30, 40, 50]);
    expect(s.version).toBe(5);
    s.clear();
    expect(s.length).toBe(0);
    expect(s.version).toBe(6);
  });
});
