// A 2-D map of embeddings by principal component analysis, in plain deterministic JS: the
// covariance is C×C (C = 136 for the encoder), so power iteration on it is cheap and exact enough.
//
// Dimensions: P points, C channels.

export interface Pca2d {
  /** [P·2] coordinates on the first two principal axes. */
  xy: Float32Array;
  /** Share of the total variance each axis explains. */
  explained: [number, number];
}

/** x is [P·C] row-major. With P < 2 every point lands at the origin. */
export function pca2d(x: Float32Array, P: number, C: number): Pca2d {
  if (x.length !== P * C) throw new Error(`pca2d: expected ${P}×${C} = ${P * C} values, got ${x.length}`);
  const xy = new Float32Array(P * 2);
  if (P < 2 || C === 0) return { xy, explained: [0, 0] };
  const mean = new Float64Array(C);
  for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) mean[c]! += x[p * C + c]! / P;
  const cov = new Float64Array(C * C);
  const row = new Float64Array(C);
  for (let p = 0; p < P; p++) {
    for (let c = 0; c < C; c++) row[c] = x[p * C + c]! - mean[c]!;
    for (let i = 0; i < C; i++) {
      const ri = row[i]!;
      if (ri === 0) continue;
      for (let j = i; j < C; j++) cov[i * C + j]! += ri * row[j]!;
    }
  }
  for (let i = 0; i < C; i++) for (let j = i; j < C; j++) cov[j * C + i] = cov[i * C + j]!;
  let trace = 0;
  for (let i = 0; i < C; i++) trace += cov[i * C + i]!;
  const first = topEigen(cov, C);
  deflate(cov, C, first.vector, first.value);
  const second = topEigen(cov, C);
  for (let p = 0; p < P; p++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < C; c++) {
      const v = x[p * C + c]! - mean[c]!;
      a += v * first.vector[c]!;
      b += v * second.vector[c]!;
    }
    xy[p * 2] = a;
    xy[p * 2 + 1] = b;
  }
  const share = (v: number) => (trace > 0 ? v / trace : 0);
  return { xy, explained: [share(first.value), share(second.value)] };
}

/** Largest eigenpair of a symmetric PSD matrix by power iteration; sign fixed for determinism. */
function topEigen(m: Float64Array, C: number): { vector: Float64Array; value: number } {
  let v = new Float64Array(C).map((_, i) => 1 / Math.sqrt(C) + (i % 7) * 1e-3);
  let value = 0;
  for (let iter = 0; iter < 300; iter++) {
    const next = new Float64Array(C);
    for (let i = 0; i < C; i++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += m[i * C + j]! * v[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return { vector: new Float64Array(C), value: 0 };
    for (let i = 0; i < C; i++) next[i]! /= norm;
    const delta = next.reduce((acc, n, i) => acc + Math.abs(n - v[i]!), 0);
    v = next;
    value = norm;
    if (delta < 1e-10) break;
  }
  let largest = 0;
  for (let i = 1; i < C; i++) if (Math.abs(v[i]!) > Math.abs(v[largest]!)) largest = i;
  if (v[largest]! < 0) for (let i = 0; i < C; i++) v[i] = -v[i]!;
  return { vector: v, value };
}

function deflate(m: Float64Array, C: number, v: Float64Array, value: number): void {
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) m[i * C + j]! -= value * v[i]! * v[j]!;
}
