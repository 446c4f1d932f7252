// SimDETR ingredients (i) and (ii): object proposals from clustered encoder features, and
// pseudo-classes from clustering the proposals' embeddings over the whole dataset.
//
// Per image: the frozen encoder's stride-16 pixel features are L2-normalised and clustered with
// cosine k-means at each granularity k (on the host: a few hundred points, see kmeansHost.ts);
// every connected component of every cluster is a mask, every mask's tight box a candidate;
// candidates are filtered by box area, scored, merged by NMS, capped.
//
// Score (our choice; the paper does not publish one): feature contrast. With m the unit mean
// feature of the mask, score = mean cos(x, m) over mask cells − mean cos(x, m) over the other
// cells, in [−2, 2]. It is high for a region coherent inside and unlike its surroundings (an
// object), low for a fragment of a larger uniform area (a piece of background).
//
// Dimensions: h, w feature grid; N = h·w cells; C channels; P proposals; K pseudo-classes.
import * as tf from '@tensorflow/tfjs';
import { boxArea, boxXyxy, type BoxXyxy } from './boxes';
import { connectedComponents } from './components';
import { kmeans, normalizeRows } from './kmeans';
import { kmeansHost } from './kmeansHost';
import { nms } from './nms';
import type { ProposalConfig } from './proposalConfig';
import { mixSeed } from './rng';

export interface ImageSize {
  width: number;
  height: number;
}

export interface Proposal {
  /** Tight box of the mask, in image pixels. */
  box: BoxXyxy;
  /** Feature contrast of the mask (see the header), higher is better. */
  score: number;
  /** The k of the clustering that produced it. */
  granularity: number;
  /** 1 on the feature cells of the region; length h·w, row-major. */
  mask: Uint8Array;
}

function gridOf(features: tf.Tensor4D): { h: number; w: number; c: number } {
  const [b, h, w, c] = features.shape;
  if (b !== 1) throw new Error(`expected features of shape [1, h, w, C], got [${features.shape}]`);
  return { h, w, c };
}

/** A cell box scaled by the stride, clipped to the image (the last cell may hang over the edge). */
function cellsToPixels(cells: BoxXyxy, stride: number, size: ImageSize): BoxXyxy {
  const [x0, y0, x1, y1] = cells;
  const { width: W, height: H } = size;
  return boxXyxy(
    Math.min(x0 * stride, W),
    Math.min(y0 * stride, H),
    Math.min(x1 * stride, W),
    Math.min(y1 * stride, H),
  );
}

/** Masks as a [P, N] float tensor. Call inside a tidy. */
function masksTensor(masks: readonly Uint8Array[], n: number): tf.Tensor2D {
  const flat = new Float32Array(masks.length * n);
  masks.forEach((m, p) => {
    if (m.length !== n) throw new Error(`expected a mask of ${n} cells, got ${m.length}`);
    flat.set(m, p * n);
  });
  return tf.tensor2d(flat, [masks.length, n]); // [P, N]
}

/** Contrast score of each mask over unit pixel features [N, C]; one readback. */
async function contrastScores(unit: tf.Tensor2D, masks: readonly Uint8Array[]): Promise<Float32Array> {
  const n = unit.shape[0];
  const scores = tf.tidy(() => {
    const m = masksTensor(masks, n); // [P, N]
    const inCount = tf.sum(m, 1); // [P]
    const means = normalizeRows(tf.matMul(m, unit)); // [P, C]
    const sims = tf.matMul(means, unit, false, true); // [P, N]
    const inSum = tf.sum(tf.mul(m, sims), 1); // [P]
    const outSum = tf.sub(tf.sum(sims, 1), inSum); // [P]
    const inside = tf.div(inSum, tf.maximum(inCount, 1)); // [P]
    const outside = tf.div(outSum, tf.maximum(tf.sub(n, inCount), 1)); // [P]
    return tf.sub(inside, outside); // [P]
  });
  try {
    return await scores.data<'float32'>();
  } finally {
    scores.dispose();
  }
}

type Candidate = Omit<Proposal, 'score'>;

/** unitHost: the unit pixel features [N·C] read back once per image (see kmeansHost.ts for why). */
function candidatesAt(
  unitHost: Float32Array,
  k: number,
  grid: { h: number; w: number; c: number },
  imageSize: ImageSize,
  cfg: ProposalConfig,
): Candidate[] {
  const { assign } = kmeansHost(unitHost, grid.h * grid.w, grid.c, k, {
    seed: mixSeed(cfg.seed, k),
    iters: cfg.kmeansIters,
    tol: cfg.kmeansTol,
    metric: 'cosine',
  });
  const imageArea = imageSize.width * imageSize.height;
  const out: Candidate[] = [];
  const components = connectedComponents(assign, grid.h, grid.w, {
    connectivity: cfg.connectivity,
    minCells: cfg.minComponentCells,
  });
  for (const comp of components) {
    const box = cellsToPixels(comp.box, cfg.stride, imageSize);
    const frac = boxArea(box) / imageArea;
    if (frac < cfg.minAreaFrac || frac > cfg.maxAreaFrac) continue;
    out.push({ box, granularity: k, mask: comp.mask });
  }
  return out;
}

/**
 * Proposals of one image from its encoder features [1, h, w, C]; best score first, at most
 * cfg.maxPerImage. An image where nothing survives the filters gives an empty list.
 */
export async function imageProposals(
  features: tf.Tensor4D,
  imageSize: ImageSize,
  cfg: ProposalConfig,
): Promise<Proposal[]> {
  const { h, w, c } = gridOf(features);
  const { width, height } = imageSize;
  if (Math.abs(w * cfg.stride - width) >= cfg.stride || Math.abs(h * cfg.stride - height) >= cfg.stride) {
    throw new Error(
      `expected a ${width}×${height} image to give about ${width / cfg.stride}×${height / cfg.stride} ` +
        `feature cells at stride ${cfg.stride}, got ${w}×${h}`,
    );
  }
  const unit = tf.tidy(() => normalizeRows(tf.reshape<tf.Rank.R2>(features, [h * w, c]))); // [N, C]
  try {
    const unitHost = await unit.data<'float32'>();
    const candidates = cfg.granularities.flatMap((k) => candidatesAt(unitHost, k, { h, w, c }, imageSize, cfg));
    if (candidates.length === 0) return [];
    const scores = await contrastScores(unit, candidates.map((p) => p.mask));
    const keep = nms(
      candidates.map((p) => p.box),
      Array.from(scores),
      { iouThreshold: cfg.nmsIou, maxOutput: cfg.maxPerImage },
    );
    return keep.flatMap((i) => {
      const p = candidates[i];
      return p ? [{ ...p, score: scores[i] ?? 0 }] : [];
    });
  } finally {
    unit.dispose();
  }
}

/**
 * Embedding of each proposal: the mask-average of the (raw) encoder features, L2-normalised.
 * Returns [P, C]; the caller owns (and disposes) it.
 */
export function proposalEmbeddings(features: tf.Tensor4D, proposals: readonly Proposal[]): tf.Tensor2D {
  const { h, w, c } = gridOf(features);
  return tf.tidy(() => {
    if (proposals.length === 0) return tf.zeros([0, c]) as tf.Tensor2D; // [0, C]
    const m = masksTensor(
      proposals.map((p) => p.mask),
      h * w,
    ); // [P, N]
    const x = tf.reshape(features, [h * w, c]) as tf.Tensor2D; // [N, C]
    // The sum points where the mean points; normalising makes the division by the count moot.
    return normalizeRows(tf.matMul(m, x)); // [P, C]
  });
}

export interface PseudoLabels {
  /** [P] pseudo-class of each proposal, in [0, K). */
  clusterIds: Int32Array;
  /** Pseudo-classes used: the requested K, or P when there are fewer proposals. */
  K: number;
  /** [K, C] unit centroids, for assigning later proposals (self-training) to the same classes. */
  centroids: Float32Array;
  note?: string;
}

/** Pseudo-classes of the dataset's proposals: cosine k-means over their embeddings [P, C]. */
export async function pseudoLabels(
  embeddings: tf.Tensor2D,
  K: number,
  seed: number,
  opts: { iters?: number; tol?: number } = {},
): Promise<PseudoLabels> {
  const r = await kmeans(embeddings, K, { seed, metric: 'cosine', ...opts });
  const out: PseudoLabels = { clusterIds: r.assign, K: r.k, centroids: r.centroids };
  if (r.note !== undefined) out.note = r.note;
  return out;
}
