// The same k-means as kmeans.ts (k-means++ seeding, Lloyd steps, empty clusters re-seeded from
// the farthest points, cosine or squared euclidean), on plain arrays. Per-image pixel clustering
// (stage 1) is a few hundred points: there a GPU pays one synchronising readback per iteration
// for a few microseconds of math, so the host is faster. The dataset-wide clustering (stage 2,
// thousands of proposals) stays on the GPU in kmeans.ts.
//
// Dimensions: N points, D features, K clusters; arrays are row-major.

import { sampleProportional, type KMeansOptions, type KMeansResult } from './kmeans';
import { mulberry32, randInt, type Rng } from './rng';

export function kmeansHost(points: Float32Array, n: number, d: number, k: number, opts: KMeansOptions): KMeansResult {
  const { seed, iters = 50, tol = 1e-4, metric = 'euclidean' } = opts;
  if (points.length !== n * d) throw new Error(`kmeansHost: expected ${n}×${d} = ${n * d} values, got ${points.length}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeansHost: expected an integer k ≥ 1, got ${k}`);
  if (n === 0) return { centroids: new Float32Array(0), assign: new Int32Array(0), inertia: 0, k: 0, iters: 0, converged: true, note: 'no points: nothing to cluster' };
  const notes: string[] = [];
  const K = Math.min(k, n);
  if (K < k) notes.push(`k lowered from ${k} to ${n}: only ${n} points`);
  const x = metric === 'cosine' ? unitRows(points, n, d) : Float32Array.from(points);
  let c = opts.init ? initial(opts.init, K, d, metric) : seedPlusPlus(x, n, d, K, metric, mulberry32(seed));
  const dist = new Float32Array(n * K);
  let done = 0;
  let converged = false;
  while (done < iters) {
    distances(x, c, n, d, K, metric, dist);
    const { next, counts, shift } = lloyd(x, dist, c, n, d, K, metric);
    c = next;
    done++;
    const reseeds = emptyReseeds(dist, counts, n, K);
    if (reseeds.length > 0) for (const [row, p] of reseeds) c.set(x.subarray(p * d, (p + 1) * d), row * d);
    else if (shift <= tol) {
      converged = true;
      break;
    }
  }
  distances(x, c, n, d, K, metric, dist);
  const assign = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const j = argMin(dist, i * K, K);
    assign[i] = j;
    inertia += dist[i * K + j] ?? 0;
  }
  const empty = K - new Set(assign).size;
  if (empty > 0) notes.push(`${empty} of ${K} clusters ended empty (fewer distinct points than k)`);
  const result: KMeansResult = { centroids: c, k: K, assign, inertia, iters: done, converged };
  if (notes.length > 0) result.note = notes.join('; ');
  return result;
}

function unitRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += (x[i * d + j] ?? 0) ** 2;
    const s = 1 / Math.max(Math.sqrt(sq), 1e-12);
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] ?? 0) * s;
  }
  return out;
}

function initial(init: Float32Array, K: number, d: number, metric: KMeansOptions['metric']): Float32Array {
  if (init.length < K * d) throw new Error(`kmeansHost: init needs ${K}×${d} = ${K * d} values, got ${init.length}`);
  const c = Float32Array.from(init.subarray(0, K * d));
  return metric === 'cosine' ? unitRows(c, K, d) : c;
}

/** 1 − cos for unit rows, squared distance otherwise; clamped at 0 like kmeans.ts. */
function distances(x: Float32Array, c: Float32Array, n: number, d: number, K: number, metric: KMeansOptions['metric'], out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < K; j++) {
      let v = 0;
      if (metric === 'cosine') {
        for (let t = 0; t < d; t++) v += (x[i * d + t] ?? 0) * (c[j * d + t] ?? 0);
        v = 1 - v;
      } else {
        for (let t = 0; t < d; t++) v += ((x[i * d + t] ?? 0) - (c[j * d + t] ?? 0)) ** 2;
      }
      out[i * K + j] = Math.max(v, 0);
    }
  }
}

function argMin(a: Float32Array, offset: number, len: number): number {
  let best = 0;
  for (let j = 1; j < len; j++) if ((a[offset + j] ?? Infinity) < (a[offset + best] ?? Infinity)) best = j;
  return best;
}

function seedPlusPlus(x: Float32Array, n: number, d: number, K: number, metric: KMeansOptions['metric'], rng: Rng): Float32Array {
  const chosen = [randInt(rng, n)];
  const minD = new Float32Array(n).fill(Infinity);
  const one = new Float32Array(n);
  const update = (idx: number) => {
    distances(x, x.subarray(idx * d, (idx + 1) * d), n, d, 1, metric, one);
    for (let i = 0; i < n; i++) minD[i] = Math.min(minD[i] ?? Infinity, one[i] ?? Infinity);
  };
  update(chosen[0] ?? 0);
  while (chosen.length < K) {
    const idx = sampleProportional(minD, rng) ?? randInt(rng, n);
    chosen.push(idx);
    if (chosen.length < K) update(idx);
  }
  const c = new Float32Array(K * d);
  chosen.forEach((p, j) => c.set(x.subarray(p * d, (p + 1) * d), j * d));
  return c;
}

/** New centroids (empty clusters keep theirs), cluster sizes and the largest centroid move. */
function lloyd(x: Float32Array, dist: Float32Array, c: Float32Array, n: number, d: number, K: number, metric: KMeansOptions['metric']) {
  const sums = new Float64Array(K * d);
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) {
    const j = argMin(dist, i * K, K);
    counts[j] = (counts[j] ?? 0) + 1;
    for (let t = 0; t < d; t++) sums[j * d + t] = (sums[j * d + t] ?? 0) + (x[i * d + t] ?? 0);
  }
  let next: Float32Array = new Float32Array(K * d);
  for (let j = 0; j < K; j++) {
    const cnt = counts[j] ?? 0;
    for (let t = 0; t < d; t++) next[j * d + t] = cnt > 0 ? (sums[j * d + t] ?? 0) / cnt : (c[j * d + t] ?? 0);
  }
  if (metric === 'cosine') next = unitRows(next, K, d);
  let shift = 0;
  for (let j = 0; j < K; j++) {
    let sq = 0;
    for (let t = 0; t < d; t++) sq += ((next[j * d + t] ?? 0) - (c[j * d + t] ?? 0)) ** 2;
    shift = Math.max(shift, Math.sqrt(sq));
  }
  return { next, counts, shift };
}

/** Empty clusters paired with the farthest points (by distance to their own centroid) not on one. */
function emptyReseeds(dist: Float32Array, counts: Int32Array, n: number, K: number): [number, number][] {
  const empty: number[] = [];
  for (let j = 0; j < K; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length === 0) return [];
  const own = Array.from({ length: n }, (_, i) => ({ i, v: dist[i * K + argMin(dist, i * K, K)] ?? 0 }));
  own.sort((a, b) => b.v - a.v || a.i - b.i);
  const far = own.slice(0, K).filter((o) => o.v > 0).map((o) => o.i);
  return empty.slice(0, far.length).map((row, t) => [row, far[t] ?? 0]);
}
