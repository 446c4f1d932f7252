// Export and import of a run, in the worker so the page never blocks. Export reads the LAST
// CHECKPOINT in IndexedDB (so it works after a reload, and never races a running session's
// tensors) and zips it with the round-0 proposals. Import checks everything — zip, config,
// safetensors header, every weight name and shape against a model built from that config — before
// it writes the one new checkpoint; a bad file leaves the previous checkpoint and the dataset as
// they were. An imported run restarts Adam's moments (they are not exported) at the saved step.

import { version } from '../../package.json';
import { restoreTrainer, snapshotTrainer } from '../core/checkpoint';
import { cachedScale, cocoDataset, labelStudioPredictions, type CachedImageBoxes, type CocoImage } from '../core/cocoFormat';
import { boxXyxy } from '../core/boxes';
import { detrToSafetensors, loadDetrSafetensors } from '../core/detrNames';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { proposalsToTargets } from '../core/trainData';
import { createTrainer, disposeTrainer, evaluateLoss } from '../core/trainer';
import type { Checkpoint, ImageStore } from './imageStore';
import type { ImageMeta, ProposalRunResult } from './protocol';
import { buildRunZip, CONFIG_METADATA_KEY, readRunArchive } from './runArchive';
import { batchTensor, inputSize, loadTrainingImages } from './trainingImages';

export async function exportRun(store: ImageStore, encoder: MobileNetV2Weights): Promise<{ bytes: Uint8Array; fileName: string }> {
  const c = await store.getCheckpoint();
  if (!c) throw new Error('there is no saved checkpoint to export: pretrain first');
  const trainer = createTrainer({ ...c.config.detr, numClasses: c.K }, encoder);
  let safetensors: Uint8Array;
  try {
    restoreTrainer(trainer, c.snapshot);
    safetensors = await detrToSafetensors(trainer.model, {
      preset: c.config.preset, step: String(c.step), round: String(c.round), seed: String(c.config.detr.seed),
      app_version: version, dataset_sha256: await datasetHash(c.imageIds), [CONFIG_METADATA_KEY]: JSON.stringify(c.config),
    });
  } finally {
    disposeTrainer(trainer);
  }
  const proposals = await store.getProposals();
  const metas = new Map((await store.listMetas()).map((m) => [m.id, m]));
  const coco = proposalsAsCoco(proposals, metas);
  const bytes = buildRunZip({
    safetensors, config: c.config,
    proposalsCoco: cocoDataset(coco.images, coco.categories, coco.boxes),
    proposalsLabelStudio: labelStudioPredictions(coco.images, coco.categories, coco.boxes, { modelVersion: `simdetr-studio ${version} proposals` }),
  });
  return { bytes, fileName: `simdetr-${c.config.preset}-step${c.step}.zip` };
}

/** SHA-256 of the run's image ids (each the SHA-256 of an image's bytes), in run order. */
async function datasetHash(ids: readonly string[]): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ids.join('\n')));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Round-0 proposals with a pseudo-class, COCO ids from 1; images in the proposal run's order. */
function proposalsAsCoco(p: ProposalRunResult | null, metas: ReadonlyMap<string, ImageMeta>) {
  const entries = (p?.images ?? []).flatMap((im) => {
    const meta = metas.get(im.imageId);
    return meta ? [{ im, meta }] : [];
  });
  const images: CocoImage[] = entries.map(({ meta }, i) => ({ id: i + 1, file_name: meta.path, width: meta.width, height: meta.height }));
  const categories = Array.from({ length: p?.K ?? 0 }, (_, k) => ({ id: k + 1, name: `cluster ${k}`, supercategory: 'pseudo-class' }));
  const boxes: CachedImageBoxes[] = entries.map(({ im, meta }, i) => ({
    imageId: i + 1,
    scale: cachedScale(meta, { width: meta.storedWidth, height: meta.storedHeight }),
    boxes: Array.from(im.clusters).flatMap((k, j) =>
      k < 0 ? [] : [{ box: boxAt(im.boxes, j), categoryId: k + 1, score: im.scores[j] ?? 0 }],
    ),
  }));
  return { images, categories, boxes };
}

const boxAt = (b: Float32Array, j: number) => boxXyxy(b[4 * j] ?? 0, b[4 * j + 1] ?? 0, b[4 * j + 2] ?? 0, b[4 * j + 3] ?? 0);

/** Validates the file, then writes it as the current checkpoint; returns what was written. */
export async function importRun(store: ImageStore, encoder: MobileNetV2Weights, file: File): Promise<Checkpoint> {
  const run = readRunArchive(new Uint8Array(await file.arrayBuffer()), file.name);
  const current = await store.getCheckpoint();
  const config = run.config ?? current?.config;
  if (!config) throw new Error(`${file.name}: carries no training config and there is no saved run to take one from; import the .zip`);
  const K = metaInt(run.metadata, 'num_classes', 1, 65_536);
  const step = metaInt(run.metadata, 'step', 0, (config.extraRounds + 1) * config.stepsPerRound);
  const round = metaInt(run.metadata, 'round', 0, config.extraRounds);
  const proposals = await store.getProposals();
  if (!proposals) throw new Error('run the proposals stage first: a resumed run trains on the dataset\'s proposals');
  if (proposals.K > K) throw new Error(`the imported detector has ${K} pseudo-classes, the dataset's proposals have ${proposals.K}; run proposals with K ≤ ${K}`);
  const metas = new Map((await store.listMetas()).map((m) => [m.id, m]));
  const known = proposals.images.filter((im) => metas.has(im.imageId));
  if (known.length === 0) throw new Error('none of the proposals\' images is in the dataset: run the proposals stage again');
  const targets = known.map((im) => {
    const meta = metas.get(im.imageId)!;
    return proposalsToTargets(im.boxes, im.clusters, meta.storedWidth, meta.storedHeight);
  });
  const trainer = createTrainer({ ...config.detr, numClasses: K }, encoder);
  try {
    loadDetrSafetensors(trainer.model, run.safetensors);
    const snap = await snapshotTrainer(trainer);
    const size = inputSize(config.detr.imageSize);
    const n = Math.min(config.batchSize, known.length);
    const probeImages = await loadTrainingImages(store, known.slice(0, n).map((im) => metas.get(im.imageId)!), size);
    const batch = batchTensor(probeImages, size);
    let probeLoss: number;
    try {
      probeLoss = await evaluateLoss(trainer, batch, targets.slice(0, n));
    } finally {
      batch.dispose();
    }
    const c: Checkpoint = {
      config, K, step, round, imageIds: known.map((im) => im.imageId), targets,
      snapshot: { ...snap, optimizer: { ...snap.optimizer, step } }, probeLoss, savedAt: Date.now(),
    };
    await store.putCheckpoint(c);
    return c;
  } finally {
    disposeTrainer(trainer);
  }
}

function metaInt(metadata: Record<string, string>, key: string, lo: number, hi: number): number {
  const raw = metadata[key];
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < lo || n > hi) {
    throw new Error(`model.safetensors metadata: expected "${key}" an integer in [${lo}, ${hi}], got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  }
  return n;
}
