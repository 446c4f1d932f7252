// Linear sum assignment (the "Hungarian" step of DETR's matcher, scipy's linear_sum_assignment):
// given a rows × cols cost matrix, pick min(rows, cols) cells, at most one per row and per column,
// with the least total cost. Shortest augmenting paths with dual potentials (Jonker–Volgenant /
// Kuhn–Munkres), O(n²·m) for n = min(rows, cols), m = max(rows, cols): one augmentation per row of
// the smaller side, each a Dijkstra-like scan over the larger side.
//
// Dimensions: rows (DETR: Q queries) × cols (DETR: T targets), row-major, finite costs.
// Ties are broken deterministically: the scan keeps the lowest column index among equal minima, so
// an all-equal matrix gives the diagonal.

/** A cost matrix with NaN or ±Infinity: the predictions it came from are not finite. */
export class NonFiniteCostError extends Error {
  override name = 'NonFiniteCostError';
}

export interface Assignment {
  /** Chosen rows, ascending. */
  rowIdx: Int32Array;
  /** colIdx[i] is the column assigned to rowIdx[i]. */
  colIdx: Int32Array;
}

/** Minimum-cost assignment of a row-major `rows × cols` matrix; both orientations are accepted. */
export function linearSumAssignment(cost: Float32Array, rows: number, cols: number): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`expected non-negative integer sizes, got ${rows} × ${cols}`);
  }
  if (cost.length !== rows * cols) {
    throw new Error(`expected ${rows} × ${cols} = ${rows * cols} costs, got ${cost.length}`);
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new NonFiniteCostError(`expected finite costs, got ${cost[i]} at ${i}`);
  }
  if (rows === 0 || cols === 0) return { rowIdx: new Int32Array(0), colIdx: new Int32Array(0) };
  if (rows <= cols) {
    const rowToCol = solveWide((i, j) => cost[i * cols + j] ?? 0, rows, cols);
    return { rowIdx: Int32Array.from(rowToCol.keys()), colIdx: rowToCol };
  }
  // More rows than columns (DETR's Q ≥ T): solve the transpose, so that the augmenting loop runs
  // over the T targets rather than the Q queries, then list the pairs by ascending row.
  const colToRow = solveWide((j, i) => cost[i * cols + j] ?? 0, cols, rows);
  const order = Array.from(colToRow.keys()).sort((a, b) => (colToRow[a] ?? 0) - (colToRow[b] ?? 0));
  return {
    rowIdx: Int32Array.from(order, (j) => colToRow[j] ?? 0),
    colIdx: Int32Array.from(order),
  };
}

/**
 * Shortest augmenting path for n ≤ m: returns, for each of the n rows, its column.
 * Index 0 of the 1-based arrays is a virtual column that roots each search (e-maxx formulation).
 */
function solveWide(at: (i: number, j: number) => number, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(m + 1); // column potentials
  const owner = new Int32Array(m + 1); // owner[j] = 1-based row holding column j, 0 = free
  const way = new Int32Array(m + 1); // previous column on the shortest path to j
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    owner[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = owner[j0] ?? 0;
      const ui0 = u[i0] ?? 0;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = at(i0 - 1, j - 1) - ui0 - (v[j] ?? 0);
        if (reduced < (minv[j] ?? Infinity)) {
          minv[j] = reduced;
          way[j] = j0;
        }
        // Strict `<` keeps the lowest index among equal minima: the tie-break rule.
        if ((minv[j] ?? Infinity) < delta) {
          delta = minv[j] ?? Infinity;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          const r = owner[j] ?? 0;
          u[r] = (u[r] ?? 0) + delta;
          v[j] = (v[j] ?? 0) - delta;
        } else {
          minv[j] = (minv[j] ?? 0) - delta;
        }
      }
      j0 = j1;
    } while ((owner[j0] ?? 0) !== 0);
    // Flip the path: every column on it passes to the row that reached it.
    do {
      const j1 = way[j0] ?? 0;
      owner[j0] = owner[j1] ?? 0;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n);
  for (let j = 1; j <= m; j++) {
    const r = owner[j] ?? 0;
    if (r > 0) rowToCol[r - 1] = j - 1;
  }
  return rowToCol;
}
