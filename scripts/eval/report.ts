// The printed side of the proposal evaluation: one table of the metrics per method, recall@30 by GT
// size, and the verdict — the semantic proposals must beat every baseline on recall@30 and AP50 by
// at least a margin, or the run fails.
import { areaShare, proposalQuality, recallAtK, type EvalImage, type ImageSize, type ProposalQuality } from '../../src/core/proposalEval';

export interface MethodResult {
  name: string;
  quality: ProposalQuality;
  /** recall@30 per GT size bucket, in the order of SIZE_BUCKETS. */
  recallBySize: number[];
}

/** GT size buckets by share of the image area; the demo's objects span about 0.7%–26%. */
export const SIZE_BUCKETS = [
  { name: 'small <3%', lo: 0, hi: 0.03 },
  { name: 'medium 3–10%', lo: 0.03, hi: 0.1 },
  { name: 'large ≥10%', lo: 0.1, hi: Infinity },
] as const;

function keepGts(images: readonly EvalImage[], sizes: readonly ImageSize[], lo: number, hi: number): EvalImage[] {
  return images.map((im, i) => {
    const size = sizes[i];
    if (!size) throw new Error(`expected a size for image ${i}, got none`);
    return { dets: im.dets, gts: im.gts.filter((g) => areaShare(g, size) >= lo && areaShare(g, size) < hi) };
  });
}

export function measure(name: string, images: readonly EvalImage[], sizes: readonly ImageSize[]): MethodResult {
  return {
    name,
    quality: proposalQuality(images),
    // Recall treats GTs independently, so recall over a bucket's GTs alone is exact.
    recallBySize: SIZE_BUCKETS.map((b) => recallAtK(keepGts(images, sizes, b.lo, b.hi), 30)),
  };
}

export function bucketCounts(images: readonly EvalImage[], sizes: readonly ImageSize[]): number[] {
  return SIZE_BUCKETS.map((b) => keepGts(images, sizes, b.lo, b.hi).reduce((n, im) => n + im.gts.length, 0));
}

const num = (x: number): string => (Number.isNaN(x) ? '   n/a' : x.toFixed(3).padStart(6));

export function table(results: readonly MethodResult[], counts: readonly number[]): string {
  const head = ['method  ', 'boxes/img', '   R@10', '   R@30', ' CorLoc', '   AP50'].join(' ');
  const rows = results.map(({ name, quality: q }) =>
    [name.padEnd(8), q.meanPerImage.toFixed(1).padStart(9), num(q.recallAt10), num(q.recallAt30), num(q.corLoc), num(q.ap50)].join('  '),
  );
  const sizeHead = ['R@30 by GT size', ...SIZE_BUCKETS.map((b, i) => `${b.name} (n=${counts[i] ?? 0})`.padStart(22))].join('');
  const sizeRows = results.map(({ name, recallBySize }) => [name.padEnd(15), ...recallBySize.map((r) => num(r).padStart(22))].join(''));
  return [head, ...rows, '', sizeHead, ...sizeRows].join('\n');
}

/** Failures of the semantic proposals (the first result) against each baseline; empty when all pass. */
export function verdict(results: readonly MethodResult[], margin: number): string[] {
  const [ours, ...baselines] = results;
  if (!ours) return ['no results'];
  const failures: string[] = [];
  for (const b of baselines) {
    for (const key of ['recallAt30', 'ap50'] as const) {
      const [mine, theirs] = [ours.quality[key], b.quality[key]];
      if (!(mine >= theirs + margin)) {
        failures.push(`${ours.name} ${key} ${num(mine).trim()} does not beat ${b.name}'s ${num(theirs).trim()} by ${margin}`);
      }
    }
  }
  return failures;
}
