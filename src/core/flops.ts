// The useful floating-point work of the detector, counted from the model's own weights: the
// numerator of the bench's efficiency (a step's FLOPs per second over a large matmul's, DESIGN §7).
// Counted: convolutions, matrix products and attention's two products (2 FLOPs per multiply-add).
// Not counted: element-wise ops, norms, softmax — cheap in FLOPs, though not always in time.
//
// A training step is the matching pass (one forward) plus forward and backward (the backward costs
// two forwards: one product for the input's gradient, one for the weight's), so 4 forwards.
//
// Dimensions: B batch, H×W input, h×w feature grid, N = h·w tokens, Q queries, D width, F FFN width.
import { MULTI_SCALE_DEPTHS } from './backbone';
import type { DeformableAttention, LevelShape } from './deformableAttention';
import type { DeformableDetrModel, DenseDetrModel, DetrModel } from './detr';
import type { Attention } from './attention';
import type { BlockWeights } from './mobilenetV2';

const ceilDiv = (a: number, s: number): number => Math.ceil(a / s);

/** Multiply-adds of the backbone on one H×W image, its output grid, and the grid after every block. */
function backboneMacs(model: DetrModel, height: number, width: number): { macs: number; h: number; w: number; grids: LevelShape[] } {
  const { stem, blocks, head } = model.backbone;
  let [h, w] = [ceilDiv(height, 2), ceilDiv(width, 2)];
  let macs = h * w * stem.filter.size; // 3×3×3×48 per output pixel
  const grids: LevelShape[] = [];
  for (const block of blocks as readonly BlockWeights[]) {
    macs += h * w * (block.expand?.filter.size ?? 0); // 1×1: Cin·E per pixel
    [h, w] = [ceilDiv(h, block.stride), ceilDiv(w, block.stride)];
    macs += h * w * (block.depthwise.filter.size + block.project.filter.size); // 9·E + E·Cout per output pixel
    grids.push({ height: h, width: w });
  }
  if (head !== null) macs += h * w * head.filter.size;
  return { macs, h, w, grids };
}

/** Projections of queries (nq rows) and keys/values (nk rows), QKᵀ and the weighted sum. */
function attentionMacs(a: Attention, nq: number, nk: number): number {
  const d = a.query.weight.shape[0];
  return d * d * (2 * nq + 2 * nk) + 2 * nq * nk * d;
}

/** Multiply-adds of one image's forward pass after the backbone, given N tokens. */
function transformerMacs(model: DenseDetrModel, n: number): number {
  const { transformer, queryEmbed, classHead, boxHead, inputProj } = model;
  const [q, d] = queryEmbed.shape;
  const ffn = (f: { up: { weight: { shape: number[] } } }, rows: number) => 2 * rows * d * (f.up.weight.shape[1] ?? 0);
  let macs = n * inputProj.weight.size;
  for (const layer of transformer.encoder) macs += attentionMacs(layer.selfAttn, n, n) + ffn(layer.ffn, n);
  for (const layer of transformer.decoder) {
    macs += (layer.selfAttn === null ? 0 : attentionMacs(layer.selfAttn, q, q)) + attentionMacs(layer.crossAttn, q, n) + ffn(layer.ffn, q);
  }
  const heads = classHead.weight.size + boxHead.layers.reduce((s, l) => s + l.weight.size, 0);
  return macs + transformer.decoder.length * q * heads; // the heads run on every decoder layer's output
}

/**
 * Deformable attention for nq queries over s value tokens: value, offset, weight and output
 * projections, and the four bilinear reads of every sampled point mixed into its head's channels.
 */
function deformableAttentionMacs(a: DeformableAttention, nq: number, s: number): number {
  const d = a.value.weight.shape[0];
  const samples = a.numHeads * a.numLevels * a.numPoints;
  return s * d * d + nq * (d * samples * 3 + d * d) + nq * samples * 4 * (d / a.numHeads);
}

/** Multiply-adds of one image's forward pass after the backbone of the deformable detector. */
function deformableMacs(model: DeformableDetrModel, grids: readonly LevelShape[]): number {
  const { neck, transformer, queryEmbed, classHead, boxHead } = model;
  const maps = MULTI_SCALE_DEPTHS.map((depth) => grids[depth - 1] ?? { height: 0, width: 0 }); // strides 8, 16, 32
  const last = maps[2] ?? { height: 0, width: 0 };
  const extra = { height: ceilDiv(last.height, 2), width: ceilDiv(last.width, 2) };
  const s = [...maps, extra].reduce((n, g) => n + g.height * g.width, 0);
  const q = queryEmbed.shape[0];
  const d = queryEmbed.shape[1] / 2;
  const ffn = (f: { up: { weight: { shape: number[] } } }, rows: number) => 2 * rows * d * (f.up.weight.shape[1] ?? 0);
  let macs = maps.reduce((m, g, l) => m + g.height * g.width * (neck.projections[l]?.proj.weight.size ?? 0), 0) + extra.height * extra.width * neck.extra.conv.filter.size;
  for (const layer of transformer.encoder) macs += deformableAttentionMacs(layer.selfAttn, s, s) + ffn(layer.ffn, s);
  for (const layer of transformer.decoder) macs += attentionMacs(layer.selfAttn, q, q) + deformableAttentionMacs(layer.crossAttn, q, s) + ffn(layer.ffn, q);
  const heads = classHead.weight.size + boxHead.layers.reduce((m, l) => m + l.weight.size, 0);
  return macs + q * transformer.referencePoints.weight.size + transformer.decoder.length * q * heads;
}

/** FLOPs of one forward pass over a [B, H, W, 3] batch. */
export function detrForwardFlops(model: DetrModel, batch: number, height: number, width: number): number {
  const backbone = backboneMacs(model, height, width);
  const rest = model.kind === 'deformable' ? deformableMacs(model, backbone.grids) : transformerMacs(model, backbone.h * backbone.w);
  return 2 * batch * (backbone.macs + rest);
}

/** FLOPs of one training step (trainer.ts): matching pass + forward + backward = 4 forwards. */
export function detrTrainStepFlops(model: DetrModel, batch: number, height: number, width: number): number {
  return 4 * detrForwardFlops(model, batch, height, width);
}
