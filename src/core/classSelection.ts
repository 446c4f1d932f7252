// Which pseudo-classes round 0 trains on. k-means over all proposals gives clusters of objects and
// clusters of background stuff (sky, grass, walls) alike; a background cluster's proposals stand out
// less from their surroundings, so their contrast scores are lower on average. Keeping the share of
// clusters with the highest mean proposal score drops mostly background targets. No labels are used.
//
// Dimensions: P proposals of an image, K pseudo-classes.

/**
 * Share of the pseudo-classes round 0 trains on. On the demo it lifted the predictions' class-agnostic
 * AP50 from 1.33% to 3.38% after 2,000 tiny steps, under the tiny preset's former lr drop at step 1,000
 * (`npm run eval:selftrain -- --class-share`).
 */
export const DEFAULT_CLASS_SHARE = 0.25;

export interface ScoredClasses {
  /** [P] each proposal's pseudo-class, −1 for none. */
  clusters: Int32Array;
  /** [P] each proposal's score. */
  scores: Float32Array;
}

/**
 * The pseudo-classes kept: the ceil(share · K') of the K' classes that have proposals, by mean
 * proposal score, best first (ties by class id). share = 1 keeps every class.
 */
export function bestClasses(images: readonly ScoredClasses[], share: number): Set<number> {
  if (!(share > 0 && share <= 1)) throw new Error(`bestClasses: expected a share in (0, 1], got ${share}`);
  const sums = new Map<number, { total: number; n: number }>();
  for (const { clusters, scores } of images) {
    clusters.forEach((c, j) => {
      if (c < 0) return;
      const s = sums.get(c) ?? { total: 0, n: 0 };
      s.total += scores[j] ?? 0;
      s.n += 1;
      sums.set(c, s);
    });
  }
  const ranked = [...sums].map(([c, s]) => ({ c, mean: s.total / s.n })).sort((a, b) => b.mean - a.mean || a.c - b.c);
  return new Set(ranked.slice(0, Math.ceil(share * ranked.length)).map((r) => r.c));
}

/** The image's pseudo-classes with those not kept set to −1 (no class: not a target). */
export function keepClasses(clusters: Int32Array, kept: ReadonlySet<number>): Int32Array {
  return clusters.map((c) => (kept.has(c) ? c : -1));
}
