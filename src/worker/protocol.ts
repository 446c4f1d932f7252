// The one typed contract between the UI thread and the training worker.
// Payloads are plain data (structured-clone friendly): Files and Blobs travel as themselves,
// typed arrays as transferables, never tensors. Both sides switch exhaustively on `type`.

import type { AugmentConfig } from '../core/augment';
import type { DetrConfig, DetrPreset } from '../core/detrConfig';
import type { DownstreamArm, DownstreamPoint, DownstreamSettings } from '../core/downstream';
import type { ProposalConfig } from '../core/proposalConfig';
import type { SelfTrainingFilter } from '../core/trainData';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendReport {
  backend: BackendName;
  /** WebGPU adapter in use, when the backend is webgpu. */
  adapter: AdapterSummary | null;
  /** Why the preferred backend was not used; empty when nothing fell back. */
  fallbackReasons: string[];
  tfjsVersion: string;
}

/** Why a file was not added. */
export type SkipReason =
  | 'empty'
  | 'not-image'
  | 'unsupported-format'
  | 'truncated'
  | 'too-large'
  | 'too-many-pixels'
  | 'undecodable'
  | 'duplicate'
  | 'storage-full';

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  message: string;
}

/** One image of the dataset, as the UI sees it. The resized pixels stay in the worker's cache. */
export interface ImageMeta {
  /** SHA-256 of the original file's bytes: equal content, equal id. */
  id: string;
  /** Path inside the dropped folder (or the file name). Shown as text only. */
  path: string;
  format: string;
  bytes: number;
  /** Original size, as displayed (EXIF orientation applied). */
  width: number;
  height: number;
  /** Size of the cached, resized copy (short side = the configured size, never upscaled). */
  storedWidth: number;
  storedHeight: number;
  addedAt: number;
}

export interface ImageWithThumb {
  meta: ImageMeta;
  thumb: Blob;
}

/** A file handed to the worker, with the path it had in the dropped folder. */
export interface IncomingFile {
  file: File;
  path: string;
}

export interface IngestSummary {
  jobId: number;
  added: number;
  skipped: SkippedFile[];
  cancelled: boolean;
  /** Set when the job stopped early for a reason other than cancel (e.g. storage full). */
  stoppedBecause: string | null;
  seconds: number;
}

export interface InitOptions {
  backend: BackendPreference;
  /** Accept a software (fallback) WebGPU adapter such as SwiftShader. */
  allowFallbackAdapter: boolean;
  /** Base URL of the app's static assets, for the demo dataset. */
  assetBase: string;
  /** Load the demo dataset when the dataset is empty and the demo was never loaded before. */
  demoOnFirstVisit: boolean;
  /** Short side of cached copies in pixels (DESIGN §1: 320 on a laptop, 128 in tests). */
  cacheShortSide: number;
}

/** Proposals of one image, in the pixels of its cached copy. */
export interface ImageProposals {
  imageId: string;
  /** [P·4] x1, y1, x2, y2 per proposal, best score first. */
  boxes: Float32Array;
  /** [P] feature-contrast score (see core/proposals.ts). */
  scores: Float32Array;
  /** [P] pseudo-class of each proposal; −1 until the dataset is clustered. */
  clusters: Int32Array;
}

export interface ClusterCrop {
  imageId: string;
  /** Index of the proposal within its image. */
  index: number;
  crop: Blob;
}

export interface ProposalRunResult {
  config: ProposalConfig;
  /** One entry per image of the dataset when the run started, in dataset order. */
  images: ImageProposals[];
  /** Pseudo-classes used (lower than config.numClusters when there were fewer proposals). */
  K: number;
  /** Said to the person, e.g. that K was lowered. */
  note: string | null;
  /** [P·2] 2-D PCA coordinates of every proposal embedding, images in order, proposals in order. */
  map: Float32Array;
  mapExplained: [number, number];
  /** [K] proposals per pseudo-class. */
  clusterSizes: number[];
  /** Best-scoring crops of each pseudo-class (index = class). */
  gallery: ClusterCrop[][];
  seconds: number;
  /** Seconds spent per phase: proposals of every image, the dataset k-means, the map and crops. */
  timings: { proposals: number; clustering: number; mapAndGallery: number };
  finishedAt: number;
}

/** What a pretraining run does (stages 3 and 4). */
export interface TrainingConfig {
  preset: DetrPreset;
  /** The detector; numClasses is replaced by the pseudo-labels' K when the run starts. */
  detr: DetrConfig;
  /** Training steps in each round. */
  stepsPerRound: number;
  /** Self-training rounds after round 0 (DESIGN §1: 1). */
  extraRounds: number;
  batchSize: number;
  /** Random flips and crops of each training image and its targets (DETR's; off in runs saved before it existed). */
  augment: AugmentConfig;
  /**
   * Share of the pseudo-classes round 0 trains on, in (0, 1]: those whose proposals score highest
   * on average (core/classSelection.ts); the others' proposals are not targets. 1 keeps all.
   */
  classShare: number;
  /** Which predictions become the next round's targets. */
  selfTraining: SelfTrainingFilter;
  /** Images whose predictions the UI shows while training (ids). */
  pinned: string[];
  /** Save a checkpoint every this many steps (and at stop and at the end). */
  checkpointEvery: number;
}

/** What the UI needs to offer resuming a saved run. */
export interface CheckpointSummary {
  /** The run's settings, so the UI shows what a resumed run does. */
  config: TrainingConfig;
  step: number;
  round: number;
  totalSteps: number;
  preset: string;
  savedAt: number;
  /** Loss of a fixed batch with the saved weights. */
  probeLoss: number;
}

export interface StepReport {
  step: number;
  round: number;
  loss: number;
  class: number;
  l1: number;
  giou: number;
  lr: number;
  gradNorm: number;
  stepMs: number;
  matchMs: number;
}

export type TrainingStatus = 'preparing' | 'running' | 'paused' | 'predicting' | 'done' | 'stopped' | 'failed';

/** Detections on one image, in the pixels of its cached copy. */
export interface ImageDetections {
  imageId: string;
  /** [D·4] x1, y1, x2, y2. */
  boxes: Float32Array;
  scores: Float32Array;
  classes: Int32Array;
}

/** The last checkpoint's detector, as the headless runner (scripts/pretrain) writes it out. */
export interface FinalModel {
  step: number;
  round: number;
  K: number;
  /** Detections on every image of the run, in run order, best score first. */
  predictions: ImageDetections[];
  /** The detector's weights as a safetensors file (core/detrNames.ts). */
  safetensors: Uint8Array;
}

/** A downstream check (core/downstream.ts) as the studio runs it on the dataset's images. */
export interface DownstreamRequest {
  runId: number;
  /** COCO detection JSON naming images of the dataset. */
  labels: File;
  /** 'pretrained' fine-tunes a pretrained detector; 'none' the same detector not pretrained. */
  arms: DownstreamArm[];
  /** The pretrained detector: an exported run (.zip, or .safetensors with its config); null = the last checkpoint. */
  pretrained: File | null;
  settings: DownstreamSettings;
  /** The detector when no arm is pretrained; otherwise the pretrained detector's own config is used. */
  preset: DetrPreset | null;
}

/** What the check fine-tunes on and evaluates on. */
export interface DownstreamPlan {
  runId: number;
  arms: DownstreamArm[];
  /** Paths of the fine-tuning images, and of the held-out ones. */
  train: string[];
  held: string[];
  categories: { id: number; name: string }[];
  /** Labeled images the dataset does not hold (left out). */
  missing: string[];
  /** Where the pretrained arm's weights come from, if it runs. */
  pretrained: { kind: 'checkpoint'; step: number; round: number } | { kind: 'file'; name: string; step: number } | null;
  preset: DetrPreset;
  settings: DownstreamSettings;
}

/** A COCO result on a held-out image: bbox [x, y, w, h] in original pixels, the labels' category id. */
export interface DownstreamDetection {
  file_name: string;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface DownstreamArmResult {
  arm: DownstreamArm;
  curve: DownstreamPoint[];
  /** The last evaluation's detections, at most 100 per image, best first. */
  detections: DownstreamDetection[];
}

/** Bytes the studio keeps in IndexedDB, by kind (what the storage panel shows). */
export interface StorageUsage {
  images: number;
  /** Cached copies and thumbnails. */
  imageBytes: number;
  /** Checkpoint slots written (0–2). */
  checkpoints: number;
  /** Weights and optimiser moments of every slot. */
  checkpointBytes: number;
}

/** The worker's tensor memory after a batch of steps (backendMemory.ts). */
export interface BackendMemory {
  numTensors: number;
  /** The live tensors' bytes. */
  numBytes: number;
  /** What the backend has taken for them: GPU buffers or textures allocated, or the wasm heap; null on CPU. */
  backendBytes: number | null;
}

/** Faults the e2e tests inject (through the ?runner=1 surface) to prove the studio recovers from them. */
export type InjectedFault =
  /** `device.destroy()` on the backend's WebGPU device: what a driver reset does. */
  | 'loseDevice'
  /** An uncaught error thrown outside any handler: the worker is broken. */
  | 'crash'
  /** The wasm heap taken up to its 4 GiB (real allocations, held): the next step's allocation fails. */
  | 'fillWasmHeap'
  /** The WebGPU device's uncaptured GPUOutOfMemoryError, as an allocation that fails fires it. */
  | 'gpuOutOfMemory'
  /** A real invalid WebGPU command: an AddN over more inputs than a shader may bind. */
  | 'invalidGpuCommand'
  /** NaN written into a trainable weight of the running detector, as a diverging update leaves it. */
  | 'poisonWeights';

/** How the worker came back after the GPU device was lost. */
export interface GpuRecovery {
  /** The loss's reason and message, as the browser gave them. */
  cause: string;
  /** The backend running now. */
  backend: BackendName;
  /** The run that was interrupted: the step it had reached and the checkpoint it continues from. */
  run: { lostAtStep: number; checkpointStep: number } | null;
}

export type Command =
  | { type: 'init'; options: InitOptions }
  /** Files arrive in chunks (cloning hundreds of Files in one message blocks the page); `last` starts the job. */
  | { type: 'ingestFiles'; jobId: number; files: IncomingFile[]; last: boolean }
  | { type: 'ingestDemo'; jobId: number }
  | { type: 'cancelIngest'; jobId: number }
  | { type: 'clearDataset' }
  | { type: 'getImage'; id: string }
  | { type: 'runProposals'; runId: number; config: ProposalConfig }
  | { type: 'cancelProposals'; runId: number }
  | { type: 'startTraining'; config: TrainingConfig }
  | { type: 'pauseTraining' }
  | { type: 'resumeTraining' }
  | { type: 'stopTraining' }
  | { type: 'resumeFromCheckpoint' }
  /** The last checkpoint's predictions on every image and its weights (the headless runner's outputs). */
  | { type: 'finalModel'; requestId: number; filter: SelfTrainingFilter }
  /** The last checkpoint as a .zip (runArchive.ts: weights, optimiser state, config, metrics, labels); answered by runExported or an error where 'export'. */
  | { type: 'exportRun' }
  /** A .zip or .safetensors that becomes the current checkpoint if every check passes; else an error where 'import'. */
  | { type: 'importRun'; file: File }
  /** Fine-tunes each arm on the labeled images and evaluates it: downstreamStarted, …Progress, then …Done or …Ended. */
  | { type: 'runDownstream'; request: DownstreamRequest }
  | { type: 'cancelDownstream'; runId: number }
  /** Answered by storageUsage. */
  | { type: 'storageUsage' }
  /** Deletes both checkpoint slots (the dataset and proposals stay); refused while a run is going. */
  | { type: 'clearCheckpoints' }
  /** Test-only: see InjectedFault. */
  | { type: 'injectFault'; fault: InjectedFault };

export type WorkerEvent =
  | { type: 'ready'; report: BackendReport }
  | { type: 'dataset'; images: ImageWithThumb[] }
  | { type: 'ingestStarted'; jobId: number; total: number; source: 'files' | 'demo' }
  | {
      type: 'ingestProgress';
      jobId: number;
      done: number;
      total: number;
      imagesPerSecond: number;
      added: ImageWithThumb[];
      skipped: SkippedFile[];
    }
  | { type: 'ingestDone'; summary: IngestSummary }
  | { type: 'datasetCleared' }
  | { type: 'image'; id: string; blob: Blob | null }
  | { type: 'proposalState'; config: ProposalConfig; result: ProposalRunResult | null }
  | { type: 'proposalsStarted'; runId: number; total: number }
  | { type: 'proposalsProgress'; runId: number; done: number; total: number; imagesPerSecond: number; images: ImageProposals[] }
  | { type: 'proposalsClustering'; runId: number; proposals: number }
  | { type: 'proposalsDone'; runId: number; result: ProposalRunResult }
  | { type: 'proposalsEnded'; runId: number; outcome: 'cancelled' | 'failed'; message: string }
  | { type: 'trainingStatus'; status: TrainingStatus; round: number; step: number; totalSteps: number; message: string | null }
  /** Steps since the last event (a few events a second), with the worker's tensor memory. */
  | { type: 'trainingSteps'; steps: StepReport[]; memory: BackendMemory }
  | { type: 'trainingPredictions'; step: number; round: number; images: ImageDetections[] }
  /** The targets a round trains on: round 0 = proposals, later rounds = the detector's predictions. */
  | { type: 'trainingRound'; round: number; K: number; targets: ImageDetections[] }
  | { type: 'checkpoint'; summary: CheckpointSummary | null }
  /** After resuming: the fixed batch's loss now, against the one saved with the checkpoint. */
  | { type: 'resumed'; step: number; savedProbeLoss: number; probeLoss: number }
  | { type: 'finalModelDone'; requestId: number; model: FinalModel }
  | { type: 'finalModelFailed'; requestId: number; message: string }
  /** The zip's bytes travel as a transferable. */
  | { type: 'runExported'; bytes: Uint8Array; fileName: string }
  | { type: 'runImported'; step: number; round: number }
  | { type: 'storageUsage'; usage: StorageUsage }
  | { type: 'downstreamStarted'; plan: DownstreamPlan }
  | { type: 'downstreamProgress'; runId: number; arm: DownstreamArm; point: DownstreamPoint; totalSteps: number }
  | { type: 'downstreamDone'; runId: number; arms: DownstreamArmResult[] }
  | { type: 'downstreamEnded'; runId: number; outcome: 'cancelled' | 'failed'; message: string }
  /** The GPU device was lost and the backend restarted; an interrupted run continues from its checkpoint. */
  | { type: 'gpuRecovered'; recovery: GpuRecovery }
  /** The worker cannot go on (its WebAssembly heap is full or trapped): the page replaces it, as after a crash. */
  | { type: 'workerBroken'; message: string }
  | { type: 'error'; where: string; message: string };

export function assertNever(x: never): never {
  throw new Error(`Unexpected message: ${JSON.stringify(x)}`);
}

/** Narrow an unknown message to a Command by its tag; the worker trusts only its own page. */
export function isCommand(x: unknown): x is Command {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

export function isWorkerEvent(x: unknown): x is WorkerEvent {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}
