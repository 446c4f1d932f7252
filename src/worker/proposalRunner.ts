// Stages 1 and 2 in the worker: proposals for every cached image, then pseudo-classes over the
// dataset, a 2-D map and a crop gallery. Partial results stream to the UI; the saved run is
// replaced only when the new one is complete, so a cancel or a failure keeps the previous one.

import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { pca2d } from '../core/pca';
import type { ProposalConfig } from '../core/proposalConfig';
import { clusterProposals, proposeImage } from '../core/proposalStage';
import type { ImageStore } from './imageStore';
import { cropToJpeg, decodeRgba } from './pixels';
import type { ClusterCrop, ImageProposals, ProposalRunResult, WorkerEvent } from './protocol';

export interface RunnerContext {
  store: ImageStore;
  encoder(): Promise<MobileNetV2Weights>;
  emit(event: WorkerEvent): void;
  isCancelled(): boolean;
}

const EMIT_MS = 250;
const CROPS_PER_CLASS = 8;
const CROP_SIDE = 64;

export class Cancelled extends Error {}

export async function runProposals(runId: number, config: ProposalConfig, ctx: RunnerContext): Promise<ProposalRunResult> {
  const start = performance.now();
  const metas = (await ctx.store.listMetas()).sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
  ctx.emit({ type: 'proposalsStarted', runId, total: metas.length });
  const encoder = await ctx.encoder();
  const images: ImageProposals[] = [];
  const embeddings: Float32Array[] = [];
  let channels = 0;
  let pending: ImageProposals[] = [];
  let lastEmit = performance.now();
  for (const [i, meta] of metas.entries()) {
    if (ctx.isCancelled()) throw new Cancelled();
    const blob = await ctx.store.getPixels(meta.id);
    if (!blob) throw new Error(`the cached copy of "${meta.path}" is missing; clear the dataset and add it again`);
    const r = await proposeImage(encoder, await decodeRgba(blob), config);
    channels = r.channels;
    const entry: ImageProposals = {
      imageId: meta.id,
      boxes: Float32Array.from(r.proposals.flatMap((p) => [...p.box])),
      scores: Float32Array.from(r.proposals, (p) => p.score),
      clusters: new Int32Array(r.proposals.length).fill(-1),
    };
    images.push(entry);
    embeddings.push(r.embeddings);
    pending.push(entry);
    const last = i === metas.length - 1;
    if (last || performance.now() - lastEmit > EMIT_MS) {
      const seconds = (performance.now() - start) / 1000;
      ctx.emit({ type: 'proposalsProgress', runId, done: i + 1, total: metas.length, imagesPerSecond: (i + 1) / seconds, images: pending });
      pending = [];
      lastEmit = performance.now();
    }
  }
  if (ctx.isCancelled()) throw new Cancelled();
  const total = images.reduce((n, im) => n + im.scores.length, 0);
  ctx.emit({ type: 'proposalsClustering', runId, proposals: total });
  const clusteringStart = performance.now();
  const labels = await clusterProposals(embeddings, channels, config);
  const clusteringEnd = performance.now();
  let offset = 0;
  for (const im of images) {
    im.clusters = labels.clusterIds.slice(offset, offset + im.scores.length);
    offset += im.scores.length;
  }
  const all = new Float32Array(total * channels);
  embeddings.reduce((o, e) => (all.set(e, o), o + e.length), 0);
  const map = pca2d(all, total, channels);
  const clusterSizes = new Array<number>(labels.K).fill(0);
  for (const c of labels.clusterIds) clusterSizes[c] = (clusterSizes[c] ?? 0) + 1;
  const notes = [labels.note, emptyNote(images)].filter((n): n is string => !!n);
  const crops = await gallery(images, labels.K, ctx.store);
  const end = performance.now();
  return {
    config, images, K: labels.K, note: notes.length > 0 ? notes.join(' ') : null,
    map: map.xy, mapExplained: map.explained, clusterSizes, gallery: crops,
    seconds: (end - start) / 1000,
    timings: {
      proposals: (clusteringStart - start) / 1000,
      clustering: (clusteringEnd - clusteringStart) / 1000,
      mapAndGallery: (end - clusteringEnd) / 1000,
    },
    finishedAt: Date.now(),
  };
}

function emptyNote(images: ImageProposals[]): string | null {
  const empty = images.filter((im) => im.scores.length === 0).length;
  return empty === 0 ? null : `${empty} ${empty === 1 ? 'image has' : 'images have'} no proposal after filtering (e.g. a blank wall); they are kept, without boxes.`;
}

/** The best-scoring proposals of each class, cropped from the cached copies. */
async function gallery(images: ImageProposals[], K: number, store: ImageStore): Promise<ClusterCrop[][]> {
  const picks: { cls: number; imageId: string; index: number; score: number; box: Float32Array }[][] = Array.from({ length: K }, () => []);
  for (const im of images) {
    im.clusters.forEach((cls, index) => {
      picks[cls]?.push({ cls, imageId: im.imageId, index, score: im.scores[index] ?? 0, box: im.boxes.subarray(index * 4, index * 4 + 4) });
    });
  }
  const chosen = picks.flatMap((list) => list.sort((a, b) => b.score - a.score).slice(0, CROPS_PER_CLASS));
  const byImage = new Map<string, typeof chosen>();
  for (const c of chosen) byImage.set(c.imageId, [...(byImage.get(c.imageId) ?? []), c]);
  const rank = new Map(chosen.map((c, i) => [`${c.imageId}:${c.index}`, i]));
  const out: ClusterCrop[][] = Array.from({ length: K }, () => []);
  for (const [imageId, crops] of byImage) {
    const blob = await store.getPixels(imageId);
    if (!blob) continue;
    const bitmap = await createImageBitmap(blob);
    try {
      for (const c of crops) out[c.cls]?.push({ imageId, index: c.index, crop: await cropToJpeg(bitmap, c.box, CROP_SIDE) });
    } finally {
      bitmap.close();
    }
  }
  const order = (c: ClusterCrop) => rank.get(`${c.imageId}:${c.index}`) ?? 0;
  return out.map((list) => list.sort((a, b) => order(a) - order(b)));
}
