// The downstream check on the dataset's own images (core/downstream.ts does the fine-tuning and the
// COCO evaluation): the person's COCO labels are read and matched to the dataset's images by path,
// split with the seed, and each arm fine-tunes on the cached copies at the detector's input size.
// The pretrained arm starts from the last checkpoint (a finished, stopped or imported run) or from
// an exported run's file; its class head starts fresh, since the labels' classes are not the
// pseudo-classes. The arm not pretrained is the same detector at its init.

import { restoreTrainer } from '../core/checkpoint';
import { parseCocoDataset } from '../core/cocoFormat';
import { detrPreset, type DetrConfig, type DetrPreset } from '../core/detrConfig';
import { detrToSafetensors } from '../core/detrNames';
import { fineTuneArm, matchLabels, splitImages, type DownstreamImages, type LabeledImage } from '../core/downstream';
import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { readSafetensors } from '../core/safetensors';
import { createTrainer, disposeTrainer } from '../core/trainer';
import type { WeightMap } from '../core/weightMap';
import type { Checkpoint, ImageStore } from './imageStore';
import type { DownstreamArmResult, DownstreamPlan, DownstreamRequest, ImageMeta, WorkerEvent } from './protocol';
import { readRunArchive } from './runArchive';
import { batchTensor, inputSize, loadTrainingImages } from './trainingImages';

export interface DownstreamDeps {
  store: ImageStore;
  encoder: () => Promise<MobileNetV2Weights>;
  emit: (event: WorkerEvent) => void;
  isCancelled: () => boolean;
}

/** The labels file, parsed and validated; errors name the file and what is wrong in it. */
async function readLabels(file: File) {
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch (err) {
    throw new Error(`labels: ${file.name} is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = parseCocoDataset(json);
  if (!parsed.ok) throw new Error(`labels: ${file.name} is not COCO detection JSON: ${parsed.errors.slice(0, 3).join('; ')}`);
  if (parsed.dataset.annotations.length === 0) throw new Error(`labels: ${file.name} has no annotations to fine-tune on`);
  return parsed.dataset;
}

/** The pretrained arm's start: weights by name and the detector's config. */
interface Pretrained {
  weights: WeightMap;
  config: DetrConfig;
  preset: DetrPreset;
  /** Where it came from, as the plan shows it. */
  source: DownstreamPlan['pretrained'];
}

/** The last checkpoint's detector. */
async function fromCheckpoint(c: Checkpoint, encoder: MobileNetV2Weights): Promise<Pretrained> {
  const trainer = createTrainer({ ...c.config.detr, numClasses: c.K }, encoder);
  try {
    restoreTrainer(trainer, c.snapshot);
    const weights = readSafetensors(await detrToSafetensors(trainer.model)).tensors;
    return { weights, config: c.config.detr, preset: c.config.preset, source: { kind: 'checkpoint', step: c.step, round: c.round } };
  } finally {
    disposeTrainer(trainer);
  }
}

/** An exported run (.zip) or its weights (.safetensors with the training config in its metadata). */
async function fromFile(file: File): Promise<Pretrained> {
  const run = await readRunArchive(new Uint8Array(await file.arrayBuffer()), file.name);
  if (!run.config) throw new Error(`${file.name}: carries no training config, so its detector is unknown; use the run's export .zip`);
  return { weights: run.weights, config: run.config.detr, preset: run.config.preset, source: { kind: 'file', name: file.name, step: Number(run.metadata.step ?? NaN) } };
}

export async function runDownstream(req: DownstreamRequest, deps: DownstreamDeps): Promise<DownstreamArmResult[]> {
  const labels = await readLabels(req.labels);
  const metas = await deps.store.listMetas();
  const match = matchLabels(labels, metas.map((m) => m.path));
  const split = splitImages(match.dataset, req.settings.trainFraction, req.settings.seed);
  const metaOf = (im: LabeledImage): ImageMeta => metas[match.imageOf.get(im.id)!]!;

  const encoder = await deps.encoder();
  let pretrained: Pretrained | null = null;
  if (req.arms.includes('pretrained')) {
    if (req.pretrained) pretrained = await fromFile(req.pretrained);
    else {
      const checkpoint = await deps.store.getCheckpoint();
      if (!checkpoint) throw new Error('there is no pretrained detector to fine-tune: pretrain (or import a run) first, or choose an exported one');
      pretrained = await fromCheckpoint(checkpoint, encoder);
    }
  }
  const preset = pretrained?.preset ?? req.preset;
  if (!preset) throw new Error('the detector not pretrained needs a preset when no pretrained arm runs');
  const config: DetrConfig = pretrained?.config ?? detrPreset(preset);
  const plan: DownstreamPlan = {
    runId: req.runId, arms: req.arms, train: split.train.map((im) => metaOf(im).path), held: split.held.map((im) => metaOf(im).path),
    categories: [...labels.categories].sort((a, b) => a.id - b.id).map(({ id, name }) => ({ id, name })), missing: match.missing,
    pretrained: pretrained?.source ?? null,
    preset, settings: req.settings,
  };
  deps.emit({ type: 'downstreamStarted', plan });

  const size = inputSize(config.imageSize);
  const sets = {
    train: await loadTrainingImages(deps.store, split.train.map(metaOf), size),
    held: await loadTrainingImages(deps.store, split.held.map(metaOf), size),
  };
  const images: DownstreamImages = { batch: (set, indices) => batchTensor(indices.map((i) => sets[set][i]!), size) };
  const results: DownstreamArmResult[] = [];
  for (const arm of req.arms) {
    const result = await fineTuneArm(config, encoder, arm === 'pretrained' ? (pretrained?.weights ?? null) : null, split, images, req.settings, {
      isCancelled: deps.isCancelled,
      onPoint: (point) => deps.emit({ type: 'downstreamProgress', runId: req.runId, arm, point, totalSteps: req.settings.steps }),
    });
    const fileOf = new Map(split.held.map((im) => [im.id, im.fileName]));
    const detections = result.detections.map((d) => ({
      file_name: fileOf.get(d.image_id) ?? '', image_id: d.image_id, category_id: d.category_id,
      bbox: d.bbox.map((v) => Math.round(v * 100) / 100) as [number, number, number, number], score: d.score,
    }));
    results.push({ arm, curve: result.curve, detections });
  }
  return results;
}
