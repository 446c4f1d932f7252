// Export and import of a run, in the worker so the page never blocks. Export reads the LAST
// CHECKPOINT in IndexedDB (so it works after a reload, and never races a running session's
// tensors), predicts with its detector on every image of the run, and zips weights, AdamW's
// moments, config, metrics and labels (runArchive.ts). Import checks everything — zip, config,
// weight files, every weight and moment name and shape against a model built from that config —
// before it writes the one new checkpoint; a bad file leaves the previous checkpoint and the
// dataset as they were. A file with optimizer.safetensors resumes AdamW exactly; one without
// restarts its moments at the saved step. A zip resumes on the pseudo-labels of its own round (and
// keeps the rounds before for the next export); a bare .safetensors, on the dataset's proposals.

import { version } from '../../package.json';
import { restoreTrainer, snapshotTrainer } from '../core/checkpoint';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { bestClasses, keepClasses } from '../core/classSelection';
import { proposalsToTargets } from '../core/trainData';
import { createTrainer, disposeTrainer, evaluateLoss } from '../core/trainer';
import { predictImages } from './finalModel';
import type { CocoDataset } from '../core/cocoFormat';
import type { ImageTargets } from '../core/matcher';
import type { Checkpoint, ImageStore } from './imageStore';
import type { ImageMeta, ProposalRunResult } from './protocol';
import { metricsUpTo } from './metricsLog';
import { buildRunZip, CONFIG_METADATA_KEY, readRunArchive } from './runArchive';
import { cocoName, roundFromCoco, roundStem, runLabelFiles, type RoundLabels } from './runLabels';
import { loadImportedRun, runWeightFiles } from './runWeights';
import { batchTensor, inputSize, loadTrainingImages } from './trainingImages';

export async function exportRun(store: ImageStore, encoder: MobileNetV2Weights): Promise<{ bytes: Uint8Array; fileName: string }> {
  const c = await store.getCheckpoint();
  if (!c) throw new Error('there is no saved checkpoint to export: pretrain first');
  const metas = new Map((await store.listMetas()).map((m) => [m.id, m]));
  const missing = c.imageIds.filter((id) => !metas.has(id));
  if (missing.length > 0) throw new Error(`${missing.length} images of the saved run are no longer in the dataset: its labels cannot be exported`);
  const size = inputSize(c.config.detr.imageSize);
  const images = await loadTrainingImages(store, c.imageIds.map((id) => metas.get(id)!), size);
  const trainer = createTrainer({ ...c.config.detr, numClasses: c.K }, encoder);
  try {
    restoreTrainer(trainer, c.snapshot);
    const weights = await runWeightFiles(trainer, {
      preset: c.config.preset, step: String(c.step), round: String(c.round), seed: String(c.config.detr.seed),
      app_version: version, dataset_sha256: await datasetHash(c.imageIds), [CONFIG_METADATA_KEY]: JSON.stringify(c.config),
    }, `simdetr-studio ${version}`);
    const predictions = await predictImages(trainer.model, images, size, c.config.batchSize, c.config.selfTraining);
    const labels = runLabelFiles({
      metas, imageIds: c.imageIds, K: c.K, proposals: await store.getProposals(), predictions, modelVersion: `simdetr-studio ${version}`,
      // A checkpoint of an older version kept only its current round's targets.
      rounds: c.rounds ?? [{ round: c.round, targets: c.targets, scores: null }],
    });
    const bytes = buildRunZip({ ...weights, config: c.config, metrics: c.metrics ?? [], labels });
    return { bytes, fileName: `simdetr-${c.config.preset}-step${c.step}.zip` };
  } finally {
    disposeTrainer(trainer);
  }
}

/** SHA-256 of the run's image ids (each the SHA-256 of an image's bytes), in run order. */
async function datasetHash(ids: readonly string[]): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ids.join('\n')));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validates the file, then writes it as the current checkpoint; returns what was written. */
export async function importRun(store: ImageStore, encoder: MobileNetV2Weights, file: File): Promise<Checkpoint> {
  const run = await readRunArchive(new Uint8Array(await file.arrayBuffer()), file.name);
  const current = await store.getCheckpoint();
  const config = run.config ?? current?.config;
  if (!config) throw new Error(`${file.name}: carries no training config and there is no saved run to take one from; import the .zip`);
  const K = metaInt(run.metadata, 'num_classes', 1, 65_536);
  const step = metaInt(run.metadata, 'step', 0, (config.extraRounds + 1) * config.stepsPerRound);
  const round = metaInt(run.metadata, 'round', 0, config.extraRounds);
  const metas = new Map((await store.listMetas()).map((m) => [m.id, m]));
  const { imageIds, targets, rounds } = run.rounds.has(round)
    ? targetsFromArchive(run.rounds, round, metas, K)
    : targetsFromProposals(await store.getProposals(), metas, K, config.classShare);
  const trainer = createTrainer({ ...config.detr, numClasses: K }, encoder);
  try {
    loadImportedRun(trainer, run, step);
    const snap = await snapshotTrainer(trainer);
    const size = inputSize(config.detr.imageSize);
    const n = Math.min(config.batchSize, imageIds.length);
    const probeImages = await loadTrainingImages(store, imageIds.slice(0, n).map((id) => metas.get(id)!), size);
    const batch = batchTensor(probeImages, size);
    let probeLoss: number;
    try {
      probeLoss = await evaluateLoss(trainer, batch, targets.slice(0, n));
    } finally {
      batch.dispose();
    }
    const c: Checkpoint = {
      config, K, step, round, imageIds, targets, rounds,
      snapshot: snap, probeLoss, savedAt: Date.now(), metrics: metricsUpTo(run.metrics ?? [], step),
    };
    await store.putCheckpoint(c);
    return c;
  } finally {
    disposeTrainer(trainer);
  }
}

interface RunTargets {
  imageIds: string[];
  /** The round's targets, in imageIds' order. */
  targets: ImageTargets[];
  /** Every round up to it, for the next export; undefined when only the current one is known. */
  rounds?: RoundLabels[];
}

/** The targets the run trained on in `round`, and those of the rounds before, from its zip. */
function targetsFromArchive(files: ReadonlyMap<number, CocoDataset>, round: number, metas: ReadonlyMap<string, ImageMeta>, K: number): RunTargets {
  const byPath = new Map([...metas.values()].map((m) => [m.path, m]));
  const read = [...files.keys()].filter((r) => r <= round).sort((a, b) => a - b).map((r) => roundFromCoco(files.get(r)!, r, byPath, K));
  const current = read.at(-1)!;
  if (current.imageIds.length === 0) throw new Error(`${cocoName(roundStem(round))}: lists no images, so there is nothing to resume on`);
  const other = read.find((r) => r.imageIds.join('\n') !== current.imageIds.join('\n'));
  if (other) throw new Error(`${cocoName(roundStem(other.labels.round))} lists other images than ${cocoName(roundStem(round))}: the zip's rounds belong to different runs`);
  return { imageIds: current.imageIds, targets: current.labels.targets, rounds: read.map((r) => r.labels) };
}

/** A file without the round's pseudo-labels (a bare .safetensors) trains on the dataset's proposals, of the config's share of classes. */
function targetsFromProposals(proposals: ProposalRunResult | null, metas: ReadonlyMap<string, ImageMeta>, K: number, classShare: number): RunTargets {
  if (!proposals) throw new Error('run the proposals stage first: a resumed run trains on the dataset\'s proposals');
  if (proposals.K > K) throw new Error(`the imported detector has ${K} pseudo-classes, the dataset's proposals have ${proposals.K}; run proposals with K ≤ ${K}`);
  const known = proposals.images.filter((im) => metas.has(im.imageId));
  if (known.length === 0) throw new Error('none of the proposals\' images is in the dataset: run the proposals stage again');
  const kept = bestClasses(proposals.images, classShare);
  return {
    imageIds: known.map((im) => im.imageId),
    targets: known.map((im) => {
      const meta = metas.get(im.imageId)!;
      return proposalsToTargets(im.boxes, keepClasses(im.clusters, kept), meta.storedWidth, meta.storedHeight);
    }),
  };
}

function metaInt(metadata: Record<string, string>, key: string, lo: number, hi: number): number {
  const raw = metadata[key];
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < lo || n > hi) {
    throw new Error(`the weights' metadata (model.safetensors or model.json): expected "${key}" an integer in [${lo}, ${hi}], got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  }
  return n;
}
