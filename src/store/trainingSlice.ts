// Stages 3–4 as the UI sees them: the run's config and status (slow state, rendered by React),
// the latest predictions on pinned images and each round's targets. Per-step losses go to
// `lossSeries` (fast state, drawn on animation frames; see lossSeries.ts).

import type { StateCreator } from 'zustand';
import { DEFAULT_CLASS_SHARE } from '../core/classSelection';
import { detrPreset, type DetrPreset } from '../core/detrConfig';
import { NO_AUGMENT } from '../core/augment';
import { DEFAULT_SELF_TRAINING } from '../core/trainData';
import type { BackendMemory, CheckpointSummary, ImageDetections, StepReport, TrainingConfig, TrainingStatus } from '../worker/protocol';
import { LossSeries } from './lossSeries';
import { send } from './transport';
import type { StudioState } from './index';

export interface TrainingProgress {
  status: TrainingStatus;
  round: number;
  step: number;
  totalSteps: number;
  message: string | null;
}

export interface TrainingStats {
  msPerStep: number;
  stepsPerSecond: number;
  imagesPerSecond: number;
  numTensors: number;
  numBytes: number;
  backendBytes: number | null;
  /** Seconds left at the current speed. */
  etaSeconds: number;
}

export interface TrainingSlice {
  trainingConfig: TrainingConfig;
  training: TrainingProgress | null;
  trainingStats: TrainingStats | null;
  /** Losses of every step; mutated in place, never replaced. */
  lossSeries: LossSeries;
  predictions: { step: number; round: number; byImage: Record<string, ImageDetections> } | null;
  /** Targets of each round by image: round 0 = proposals, later rounds = predictions. */
  roundTargets: Record<number, Record<string, ImageDetections>>;
  /** The last saved checkpoint: after a reload or a crash the UI offers to resume from it. */
  checkpoint: CheckpointSummary | null;
  /** Set after resuming: the fixed batch's loss now and when it was saved (equal if restored exactly). */
  resumeCheck: { step: number; savedProbeLoss: number; probeLoss: number } | null;

  setTrainingConfig(config: TrainingConfig): void;
  usePreset(preset: DetrPreset): void;
  togglePinned(imageId: string): void;
  startTraining(): void;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  resumeFromCheckpoint(): void;
  checkpointChanged(summary: CheckpointSummary | null): void;
  resumed(check: { step: number; savedProbeLoss: number; probeLoss: number }): void;

  trainingStatusChanged(p: TrainingProgress): void;
  trainingStepsArrived(steps: StepReport[], memory: BackendMemory): void;
  trainingPredictionsArrived(step: number, round: number, images: ImageDetections[]): void;
  trainingRoundStarted(round: number, targets: ImageDetections[]): void;
}

export function defaultTrainingConfig(preset: DetrPreset = 'laptop'): TrainingConfig {
  const tiny = preset === 'tiny';
  return {
    preset, detr: detrPreset(preset), stepsPerRound: tiny ? 50 : 1000, extraRounds: 1, batchSize: tiny ? 2 : 4, augment: NO_AUGMENT, classShare: DEFAULT_CLASS_SHARE,
    selfTraining: DEFAULT_SELF_TRAINING, pinned: [], checkpointEvery: tiny ? 5 : 50,
  };
}

const byImage = (images: ImageDetections[]) => Object.fromEntries(images.map((im) => [im.imageId, im]));

export const createTrainingSlice: StateCreator<StudioState, [], [], TrainingSlice> = (set, get) => ({
  trainingConfig: defaultTrainingConfig(),
  training: null,
  trainingStats: null,
  lossSeries: new LossSeries(),
  predictions: null,
  roundTargets: {},
  checkpoint: null,
  resumeCheck: null,

  setTrainingConfig: (config) => set({ trainingConfig: config }),
  usePreset: (preset) => set((s) => ({ trainingConfig: { ...defaultTrainingConfig(preset), pinned: s.trainingConfig.pinned } })),
  togglePinned: (imageId) =>
    set((s) => {
      const pinned = s.trainingConfig.pinned;
      return { trainingConfig: { ...s.trainingConfig, pinned: pinned.includes(imageId) ? pinned.filter((p) => p !== imageId) : [...pinned, imageId] } };
    }),
  startTraining: () => {
    get().lossSeries.clear();
    set({ training: { status: 'preparing', round: 0, step: 0, totalSteps: 0, message: null }, trainingStats: null, predictions: null, roundTargets: {} });
    send({ type: 'startTraining', config: get().trainingConfig });
  },
  pauseTraining: () => send({ type: 'pauseTraining' }),
  resumeTraining: () => send({ type: 'resumeTraining' }),
  stopTraining: () => send({ type: 'stopTraining' }),
  resumeFromCheckpoint: () => {
    const saved = get().checkpoint;
    get().lossSeries.clear();
    if (saved) set({ trainingConfig: saved.config });
    // The previous resume's check is about another checkpoint: it goes until this one answers.
    set({ training: { status: 'preparing', round: 0, step: 0, totalSteps: 0, message: null }, trainingStats: null, predictions: null, resumeCheck: null });
    send({ type: 'resumeFromCheckpoint' });
  },
  checkpointChanged: (summary) => set({ checkpoint: summary }),
  resumed: (check) => set({ resumeCheck: check }),

  trainingStatusChanged: (p) => set({ training: p }),
  trainingStepsArrived: (steps, memory) => {
    const series = get().lossSeries;
    for (const s of steps) series.push(s.step, s);
    const last = steps.at(-1);
    if (!last) return;
    const recent = steps.slice(-20);
    const msPerStep = recent.reduce((a, s) => a + s.stepMs, 0) / recent.length;
    const batch = get().trainingConfig.batchSize;
    set((s) => {
      const progress = s.training ? { ...s.training, step: last.step, round: last.round } : null;
      const left = progress ? Math.max(0, progress.totalSteps - last.step) : 0;
      return {
        training: progress,
        trainingStats: {
          msPerStep, stepsPerSecond: 1000 / msPerStep, imagesPerSecond: (1000 / msPerStep) * batch,
          numTensors: memory.numTensors, numBytes: memory.numBytes, backendBytes: memory.backendBytes, etaSeconds: (left * msPerStep) / 1000,
        },
      };
    });
  },
  trainingPredictionsArrived: (step, round, images) => set({ predictions: { step, round, byImage: byImage(images) } }),
  trainingRoundStarted: (round, targets) => set((s) => ({ roundTargets: { ...s.roundTargets, [round]: byImage(targets) } })),
});
