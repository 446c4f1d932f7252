// What the training bench measures, shared by its worker and its page: one backend, one preset.
import type { BackendName } from '../worker/protocol';
import type { DetrPreset } from '../core/detrConfig';

export interface TrainBenchRequest {
  backend: BackendName;
  preset: DetrPreset;
  batch: number;
  /** Steps after the first (warm-up) step; fewer when the time budget runs out first. */
  steps: number;
  /** Stop stepping after this many ms (the first step always runs). */
  budgetMs: number;
}

export interface TrainBenchResult {
  backend: BackendName;
  /** What actually ran: the backend can fall back, so this is checked, not assumed. */
  activeBackend: string;
  adapter: string | null;
  preset: DetrPreset;
  batch: number;
  input: { height: number; width: number };
  /** Median ms of the timed steps (after the first). */
  msPerStep: number;
  firstStepMs: number;
  timedSteps: number;
  /** Median share of a step in the matching pass (no-grad forward, readback, Hungarian). */
  matchShare: number;
  /** Median share of a step in the Hungarian solves on the host, which the GPU waits for. */
  hostShare: number;
  /** Kernels one step launches (reshapes and identities aside). */
  kernelsPerStep: number;
  /** On WebGPU, the share of a profiled step outside GPU work (1 − GPU busy / step), else null. */
  outsideGpuShare: number | null;
  stepGflops: number;
  stepGflopsPerSecond: number;
  matmulGflopsPerSecond: number;
  /** stepGflopsPerSecond / matmulGflopsPerSecond (DESIGN §7). */
  efficiency: number;
  tensorsAfterFirst: number;
  tensorsAfterLast: number;
  stepsAtLast: number;
  bytesAfterFirst: number;
  bytesAfterLast: number;
  peakBytes: number;
  losses: number[];
}

export type TrainBenchReply = { ok: true; result: TrainBenchResult } | { ok: false; message: string };
