// The proposal config: DESIGN §1 defaults, partial input filled from them, and every bad field
// refused with a message that names it and says what was expected and what came.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROPOSAL_CONFIG, validateProposalConfig } from './proposalConfig';

describe('proposal config', () => {
  it('defaults follow DESIGN §1 and validate', () => {
    expect(DEFAULT_PROPOSAL_CONFIG).toMatchObject({
      granularities: [2, 3, 4, 6, 8],
      minAreaFrac: 0.01,
      maxAreaFrac: 0.9,
      nmsIou: 0.7,
      maxPerImage: 30,
      numClusters: 64,
      stride: 16,
    });
    expect(validateProposalConfig(DEFAULT_PROPOSAL_CONFIG)).toEqual(DEFAULT_PROPOSAL_CONFIG);
  });

  it('fills missing fields from the defaults and copies the granularity list', () => {
    const input = { granularities: [3, 5], numClusters: 256 };
    const cfg = validateProposalConfig(input);
    expect(cfg).toEqual({ ...DEFAULT_PROPOSAL_CONFIG, granularities: [3, 5], numClusters: 256 });
    expect(cfg.granularities).not.toBe(input.granularities);
  });

  it.each([
    [null, /expected an object, got null/],
    [[1, 2], /expected an object, got \[1, 2\]/],
    [{ nmsIou: '0.7' }, /nmsIou: expected a number in \(0, 1\], got "0.7"/],
    [{ nmsIou: 0 }, /nmsIou: expected a number in \(0, 1\], got 0/],
    [{ maxPerImage: 2.5 }, /maxPerImage: expected an integer in \[1, 10000\], got 2.5/],
    [{ seed: -1 }, /seed: expected an integer in \[0, 4294967295\], got -1/],
    [{ kmeansIters: Number.NaN }, /kmeansIters: expected an integer .* got NaN/],
    [{ granularities: [] }, /granularities: expected a non-empty list of integers in \[2, 64\], got \[\]/],
    [{ granularities: [2, 1] }, /granularities: .* got \[2, 1\]/],
    [{ connectivity: 6 }, /connectivity: expected 4 or 8, got 6/],
    [{ minAreaFrac: 0.5, maxAreaFrac: 0.4 }, /minAreaFrac: expected less than maxAreaFrac \(0.4\), got 0.5/],
    [{ nmsIOU: 0.5 }, /nmsIOU: unknown field/],
  ])('refuses %j', (input, message) => {
    expect(() => validateProposalConfig(input)).toThrow(message);
  });

  it('lists every problem at once', () => {
    expect(() => validateProposalConfig({ stride: 0, numClusters: 'many' })).toThrow(
      /numClusters: .*; stride: |stride: .*; numClusters: /,
    );
  });
});
