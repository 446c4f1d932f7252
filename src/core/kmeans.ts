// k-means with k-means++ seeding on tfjs tensors: per-image pixel clustering (stage 1) and the
// dataset-wide proposal clustering that gives pseudo-classes (stage 2). Distances are one matMul,
// new centroids another (one-hot transposed times points), so the work stays on the GPU.
// Readbacks: one per k-means++ seed (the distances it samples from), one per Lloyd iteration
// (cluster sizes, farthest points, centroid shift, packed into one vector), and the final result.
//
// Dimensions: N points, D features, K clusters.
// Metrics: 'euclidean' uses squared distance; 'cosine' normalises the points, uses 1 − cos and keeps
// the centroids on the unit sphere (spherical k-means). Inertia is the sum of those distances.
import * as tf from '@tensorflow/tfjs';
import { mulberry32, randInt, type Rng } from './rng';

export type KMeansMetric = 'cosine' | 'euclidean';

export interface KMeansOptions {
  seed: number;
  /** Most Lloyd iterations (default 50). */
  iters?: number;
  /** Stop when no centroid moves more than this (L2, default 1e-4). */
  tol?: number;
  metric?: KMeansMetric;
  /** Initial centroids [K, D] row-major instead of k-means++ (a warm start, or a test). */
  init?: Float32Array;
}

export interface KMeansResult {
  /** [K, D] row-major; unit rows for 'cosine'. */
  centroids: Float32Array;
  /** Clusters used: the requested k, or N when there are fewer points. */
  k: number;
  /** [N] cluster of each point, in [0, k). */
  assign: Int32Array;
  inertia: number;
  /** Lloyd iterations run. */
  iters: number;
  converged: boolean;
  /** Why the result differs from what was asked (k lowered, clusters left empty, no points). */
  note?: string;
}

interface Space {
  x: tf.Tensor2D; // [N, D], unit rows for 'cosine'
  xSq: tf.Tensor2D; // [N, 1] squared norms
  metric: KMeansMetric;
}

/** Rows scaled to unit L2 norm (all-zero rows stay zero). Call inside a tidy. */
export function normalizeRows(t: tf.Tensor2D): tf.Tensor2D {
  return tf.div(t, tf.maximum(tf.norm(t, 'euclidean', 1, true), 1e-12)); // [R, D]
}

function distances(s: Space, c: tf.Tensor2D): tf.Tensor2D {
  const dots = tf.matMul(s.x, c, false, true); // [N, K]
  const d: tf.Tensor2D =
    s.metric === 'cosine'
      ? tf.sub(1, dots)
      : tf.add(tf.sub(s.xSq, tf.mul(dots, 2)), tf.transpose(tf.sum(tf.square(c), 1, true))); // [N, K]
  return tf.relu(d); // [N, K], ≥ 0 despite rounding
}

/** Index drawn with probability proportional to w; null when all weights are zero. */
export function sampleProportional(w: ArrayLike<number>, rng: Rng): number | null {
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] ?? 0;
  if (!(total > 0)) return null;
  const r = rng() * total;
  let acc = 0;
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i] ?? 0;
    if (wi <= 0) continue;
    acc += wi;
    last = i;
    if (acc > r) return i;
  }
  return last;
}

/**
 * k-means++ (Arthur & Vassilvitskii 2007). Our distances are already squared-distance-like
 * (squared euclidean, or 1 − cos = ½‖a − b‖² on the unit sphere), so they are the D² weights.
 * When every point sits on a chosen centroid (duplicates), the next pick is uniform.
 */
async function seedPlusPlus(s: Space, k: number, rng: Rng): Promise<tf.Tensor2D> {
  const n = s.x.shape[0];
  const chosen = [randInt(rng, n)];
  const distTo = (i: number): tf.Tensor1D =>
    tf.reshape(distances(s, tf.gather(s.x, [i])), [n]); // [N]
  let minD = tf.tidy(() => distTo(chosen[0] ?? 0)); // [N]
  try {
    while (chosen.length < k) {
      const idx = sampleProportional(await minD.data(), rng) ?? randInt(rng, n);
      chosen.push(idx);
      if (chosen.length === k) break;
      const prev = minD;
      minD = tf.tidy(() => tf.minimum(prev, distTo(idx))); // [N]
      prev.dispose();
    }
  } finally {
    minD.dispose();
  }
  return tf.tidy(() => tf.gather(s.x, chosen)); // [K, D]
}

/**
 * One Lloyd step: new centroids, and the stats vector [counts K | farIdx K | farDist K | shift]
 * (the K points farthest from their centroid, for re-seeding empty clusters). Needs K ≤ N.
 */
function lloydStep(s: Space, c: tf.Tensor2D, k: number): { next: tf.Tensor2D; stats: tf.Tensor1D } {
  return tf.tidy(() => {
    const dist = distances(s, c); // [N, K]
    const oneHot = tf.cast(tf.oneHot(tf.argMin(dist, 1), k), 'float32'); // [N, K]
    const counts = tf.sum(oneHot, 0); // [K]
    const sums = tf.matMul(oneHot, s.x, true, false); // [K, D]
    const filled = tf.reshape(tf.cast(tf.greater(counts, 0), 'float32'), [k, 1]); // [K, 1]
    const means = tf.div(sums, tf.maximum(tf.reshape(counts, [k, 1]), 1)); // [K, D]
    // An empty cluster keeps its centroid here; the caller re-seeds it from a far point.
    let next: tf.Tensor2D = tf.add(tf.mul(filled, means), tf.mul(tf.sub(1, filled), c)); // [K, D]
    if (s.metric === 'cosine') next = normalizeRows(next);
    const shift = tf.reshape(tf.max(tf.norm(tf.sub(next, c), 'euclidean', 1)), [1]); // [1]
    const far = tf.topk(tf.min(dist, 1), k); // [K] farthest points
    const stats = tf.concat([counts, tf.cast(far.indices, 'float32'), far.values, shift]); // [3K+1]
    return { next, stats: stats as tf.Tensor1D };
  });
}

/** Rows of c listed in `rows` are replaced by the points `points` (same order). */
function reseed(s: Space, c: tf.Tensor2D, rows: number[], points: number[]): tf.Tensor2D {
  const k = c.shape[0];
  const mask = new Float32Array(k);
  const src = new Int32Array(k);
  rows.forEach((r, t) => {
    mask[r] = 1;
    src[r] = points[t] ?? 0;
  });
  return tf.tidy(() => {
    const m = tf.tensor2d(mask, [k, 1]); // [K, 1]
    const picked = tf.gather(s.x, src); // [K, D]
    return tf.add(tf.mul(m, picked), tf.mul(tf.sub(1, m), c)); // [K, D]
  });
}

/** Empty clusters paired with the farthest points that are not already on a centroid. */
function emptyReseeds(stats: Float32Array, k: number): { rows: number[]; points: number[] } {
  const far: number[] = [];
  for (let t = 0; t < k; t++) if ((stats[2 * k + t] ?? 0) > 0) far.push(stats[k + t] ?? 0);
  const rows: number[] = [];
  for (let j = 0; j < k && rows.length < far.length; j++) if ((stats[j] ?? 0) === 0) rows.push(j);
  return { rows, points: far.slice(0, rows.length) };
}

function initialCentroids(s: Space, init: Float32Array, k: number, d: number): tf.Tensor2D {
  if (init.length < k * d) {
    throw new Error(`kmeans: init needs ${k}×${d} = ${k * d} values, got ${init.length}`);
  }
  return tf.tidy(() => {
    const c = tf.tensor2d(init.subarray(0, k * d), [k, d]); // [K, D]
    return s.metric === 'cosine' ? normalizeRows(c) : c;
  });
}

export async function kmeans(x: tf.Tensor2D, k: number, opts: KMeansOptions): Promise<KMeansResult> {
  const { seed, iters = 50, tol = 1e-4, metric = 'euclidean', init } = opts;
  if (x.rank !== 2) throw new Error(`kmeans: expected points of shape [N, D], got [${x.shape}]`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeans: expected an integer k ≥ 1, got ${k}`);
  const [n, d] = x.shape;
  if (n === 0) {
    const empty = { centroids: new Float32Array(0), assign: new Int32Array(0), inertia: 0 };
    return { ...empty, k: 0, iters: 0, converged: true, note: 'no points: nothing to cluster' };
  }
  const notes: string[] = [];
  const kUsed = Math.min(k, n);
  if (kUsed < k) notes.push(`k lowered from ${k} to ${n}: only ${n} points`);
  const s: Space = tf.tidy(() => {
    const xs = metric === 'cosine' ? normalizeRows(x) : tf.clone(x); // [N, D]
    return { x: xs, xSq: tf.sum<tf.Tensor2D>(tf.square(xs), 1, true), metric }; // xSq [N, 1]
  });
  try {
    const c0 = init ? initialCentroids(s, init, kUsed, d) : await seedPlusPlus(s, kUsed, mulberry32(seed));
    return await refine(s, c0, { iters, tol }, notes);
  } finally {
    tf.dispose([s.x, s.xSq]);
  }
}

/** Lloyd iterations from c0 (which it takes over) until converged or out of iterations. */
async function refine(
  s: Space,
  c0: tf.Tensor2D,
  limits: { iters: number; tol: number },
  notes: string[],
): Promise<KMeansResult> {
  const k = c0.shape[0];
  let c = c0;
  let iters = 0;
  let converged = false;
  try {
    while (iters < limits.iters) {
      const { next, stats } = lloydStep(s, c, k);
      c.dispose();
      c = next;
      const packed = await stats.data<'float32'>(); // the iteration's one readback
      stats.dispose();
      iters++;
      const { rows, points } = emptyReseeds(packed, k);
      if (rows.length > 0) {
        const prev = c;
        c = reseed(s, prev, rows, points);
        prev.dispose();
      } else if ((packed[3 * k] ?? 0) <= limits.tol) {
        converged = true;
        break;
      }
    }
    return await finish(s, c, iters, converged, notes);
  } finally {
    c.dispose();
  }
}

async function finish(
  s: Space,
  c: tf.Tensor2D,
  iters: number,
  converged: boolean,
  notes: string[],
): Promise<KMeansResult> {
  const k = c.shape[0];
  const fin = tf.tidy(() => {
    const dist = distances(s, c); // [N, K]
    return { assign: tf.argMin(dist, 1), inertia: tf.sum(tf.min(dist, 1)) }; // [N], []
  });
  const [assign, inertia, centroids] = await Promise.all([
    fin.assign.data<'int32'>(),
    fin.inertia.data<'float32'>(),
    c.data<'float32'>(),
  ]).finally(() => tf.dispose([fin.assign, fin.inertia]));
  const empty = k - new Set(assign).size;
  if (empty > 0) notes.push(`${empty} of ${k} clusters ended empty (fewer distinct points than k)`);
  const result: KMeansResult = { centroids, k, assign, inertia: inertia[0] ?? 0, iters, converged };
  if (notes.length > 0) result.note = notes.join('; ');
  return result;
}
