import { describe, expect, it } from 'vitest';
import { signTest } from './signTest';

describe('signTest', () => {
  it('gives 1/2^n when the first wins every one of n pairs', () => {
    const five = Array.from({ length: 5 }, (_, i) => [i + 1, i] as const);
    expect(signTest(five)).toEqual({ wins: 5, losses: 0, ties: 0, p: 1 / 32 });
    expect(signTest([[2, 1]]).p).toBe(0.5);
  });

  it('sums the upper tail: 4 wins of 5 is (C(5,4) + C(5,5)) / 32', () => {
    const pairs = [[1, 0], [1, 0], [1, 0], [1, 0], [0, 1]] as const;
    expect(signTest(pairs)).toEqual({ wins: 4, losses: 1, ties: 0, p: 6 / 32 });
  });

  it('leaves ties out of the count', () => {
    const pairs = [[1, 0], [1, 0], [0, 0], [0.5, 0.5]] as const;
    expect(signTest(pairs)).toEqual({ wins: 2, losses: 0, ties: 2, p: 1 / 4 });
  });

  it('gives p = 1 when the first never wins, and when every pair ties', () => {
    expect(signTest([[0, 1], [0, 2], [1, 3]]).p).toBe(1);
    expect(signTest([[1, 1]])).toEqual({ wins: 0, losses: 0, ties: 1, p: 1 });
    expect(signTest([])).toEqual({ wins: 0, losses: 0, ties: 0, p: 1 });
  });

  it('matches the binomial tail for 10 pairs with 8 wins: 56/1024', () => {
    // C(10,8) + C(10,9) + C(10,10) = 45 + 10 + 1 = 56.
    const pairs = Array.from({ length: 10 }, (_, i): [number, number] => (i < 8 ? [1, 0] : [0, 1]));
    expect(signTest(pairs).p).toBeCloseTo(56 / 1024, 15);
  });
});
