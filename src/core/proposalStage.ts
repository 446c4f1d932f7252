// Stages 1 and 2 of the pipeline as one driver, shared by the worker, the Node evaluation script
// and the tests, so every caller runs exactly the same math: an image's RGBA pixels → frozen
// encoder (stride 16) → proposals and their embeddings; then all embeddings → pseudo-classes.
//
// Dimensions: H, W image; h, w = H/16, W/16 feature grid; C = 136 channels; P proposals.

import * as tf from '@tensorflow/tfjs';
import { mobileNetV2Features, type MobileNetV2Weights } from './mobilenetV2';
import type { ProposalConfig } from './proposalConfig';
import { imageProposals, proposalEmbeddings, pseudoLabels, type Proposal, type PseudoLabels } from './proposals';

export interface RgbaImage {
  width: number;
  height: number;
  /** [H·W·4] RGBA bytes, row-major, as ImageData gives them. */
  data: Uint8ClampedArray | Uint8Array;
}

export interface ImageStageResult {
  proposals: Proposal[];
  /** [P·C] unit embeddings, row-major, in the order of `proposals`. */
  embeddings: Float32Array;
  channels: number;
  /** Feature grid size, for reading the masks. */
  grid: { h: number; w: number };
}

/** [1, H, W, 3] float RGB in [0, 1] from RGBA bytes. Call inside a tidy. */
export function rgbaToInput(image: RgbaImage): tf.Tensor4D {
  const { width: W, height: H, data } = image;
  if (data.length !== W * H * 4) throw new Error(`expected ${W}×${H}×4 = ${W * H * 4} RGBA bytes, got ${data.length}`);
  const rgba = tf.tensor3d(Int32Array.from(data), [H, W, 4], 'int32'); // [H, W, 4]
  const rgb = tf.slice(rgba, [0, 0, 0], [H, W, 3]); // [H, W, 3]
  return tf.expandDims<tf.Tensor4D>(tf.div(tf.cast(rgb, 'float32'), 255), 0); // [1, H, W, 3]
}

export async function proposeImage(encoder: MobileNetV2Weights, image: RgbaImage, cfg: ProposalConfig): Promise<ImageStageResult> {
  const features = tf.tidy(() => mobileNetV2Features(encoder, rgbaToInput(image), ['stride16']).stride16); // [1, h, w, C]
  try {
    const [, h = 0, w = 0, channels = 0] = features.shape;
    const proposals = await imageProposals(features, image, cfg);
    const emb = proposalEmbeddings(features, proposals); // [P, C]
    const embeddings = (await emb.data()) as Float32Array;
    emb.dispose();
    return { proposals, embeddings, channels, grid: { h, w } };
  } finally {
    features.dispose();
  }
}

/** Pseudo-classes over every proposal of the dataset; `perImage` are [P_i·C] blocks. */
export async function clusterProposals(perImage: readonly Float32Array[], channels: number, cfg: ProposalConfig): Promise<PseudoLabels> {
  const total = perImage.reduce((n, e) => n + e.length / channels, 0);
  const all = new Float32Array(total * channels);
  let offset = 0;
  for (const e of perImage) {
    all.set(e, offset);
    offset += e.length;
  }
  const x = tf.tensor2d(all, [total, channels]); // [P, C]
  try {
    return await pseudoLabels(x, cfg.numClusters, cfg.seed, { iters: cfg.kmeansIters, tol: cfg.kmeansTol });
  } finally {
    x.dispose();
  }
}
