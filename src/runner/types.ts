// The headless runner's contract with the page: what `window.simdetrRunner` offers when the studio
// is opened with ?runner=1, and the progress reports it hands to `window.simdetrRunnerReport`
// (a Playwright exposeFunction). Shared by src/runner/api.ts and scripts/pretrain; type-only, so
// Node imports nothing of the app. Everything crossing is plain data (typed arrays included).

import type { DetrPreset } from '../core/detrConfig';
import type { DownstreamArm, DownstreamPoint, DownstreamSettings } from '../core/downstream';
import type { ProposalConfig } from '../core/proposalConfig';
import type { SelfTrainingFilter } from '../core/trainData';
import type {
  BackendMemory, BackendReport, CheckpointSummary, DownstreamArmResult, DownstreamPlan, ImageDetections, ImageProposals, IngestSummary, InjectedFault, StepReport, TrainingConfig, TrainingStatus,
} from '../worker/protocol';

/** One image of the dataset: the sizes that turn cached-copy pixels into original pixels. */
export interface RunnerImage {
  id: string;
  path: string;
  width: number;
  height: number;
  storedWidth: number;
  storedHeight: number;
}

export interface RunnerOpened {
  backend: BackendReport;
  images: RunnerImage[];
  checkpoint: CheckpointSummary | null;
}

export interface RunnerProposals {
  K: number;
  note: string | null;
  seconds: number;
  timings: { proposals: number; clustering: number; mapAndGallery: number };
  /** Boxes in cached-copy pixels, one entry per image in the run's order. */
  images: ImageProposals[];
}

export interface RunnerTrainingEnd {
  status: 'done' | 'stopped';
  step: number;
  round: number;
  message: string | null;
}

export interface RunnerFinal {
  step: number;
  round: number;
  K: number;
  predictions: ImageDetections[];
  /** Size of the safetensors file; its bytes come in pieces from weights(). */
  weightBytes: number;
}

export type RunnerReport =
  | { kind: 'ingest'; done: number; total: number }
  | { kind: 'proposals'; done: number; total: number }
  | { kind: 'clustering'; proposals: number }
  | { kind: 'status'; status: TrainingStatus; round: number; step: number; totalSteps: number; message: string | null }
  /** With the worker's tfjs memory after the last of these steps (e2e/soak.spec.ts, the soak bench). */
  | { kind: 'steps'; steps: StepReport[]; memory: BackendMemory }
  /** The targets a round trains on, in cached-copy pixels (round 0: proposals with their pseudo-classes). */
  | { kind: 'round'; round: number; K: number; targets: ImageDetections[] }
  | { kind: 'checkpoint'; step: number; round: number }
  | { kind: 'resumed'; step: number; savedProbeLoss: number; probeLoss: number }
  | { kind: 'downstream'; arm: DownstreamArm; point: DownstreamPoint; totalSteps: number };

export interface RunnerDownstream {
  plan: DownstreamPlan;
  arms: DownstreamArmResult[];
}

export interface SimdetrRunner {
  /** The backend in use, the cached dataset and any saved checkpoint, once the worker has opened them. */
  opened(): Promise<RunnerOpened>;
  images(): RunnerImage[];
  /** Ingest jobs finished since the page loaded. */
  ingestCount(): number;
  ingestDemo(): Promise<IngestSummary>;
  /** The summary of the ingest job finished after the first `count` (e.g. a folder just picked). */
  ingestAfter(count: number): Promise<IngestSummary>;
  proposals(config: ProposalConfig): Promise<RunnerProposals>;
  train(config: TrainingConfig): Promise<RunnerTrainingEnd>;
  /** Continues the saved checkpoint's run. */
  resume(): Promise<RunnerTrainingEnd>;
  finalModel(filter: SelfTrainingFilter): Promise<RunnerFinal>;
  /** Bytes [offset, offset + length) of the last finalModel's safetensors file. */
  weights(offset: number, length: number): Uint8Array;
  /** The downstream check on the dataset's images with these COCO labels (the Downstream panel's action). */
  downstream(labels: { name: string; text: string }, arms: DownstreamArm[], settings: DownstreamSettings, preset: DetrPreset | null): Promise<RunnerDownstream>;
  /** Tests only: makes the worker meet a fault (e2e/faults.spec.ts, e2e/deviceLost.spec.ts). */
  injectFault(fault: InjectedFault): void;
}

declare global {
  interface Window {
    simdetrRunner?: SimdetrRunner;
    simdetrRunnerReport?: (report: RunnerReport) => void;
  }
}
