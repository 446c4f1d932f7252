// What the studio recovered from, said to the person until dismissed: the GPU device lost (the
// worker restarted the backend and continued the run from its checkpoint) or the worker crashed
// (the bridge started a fresh one on the same cache; the run can be resumed from its checkpoint).

import type { StateCreator } from 'zustand';
import type { GpuRecovery } from '../worker/protocol';
import { checkGoing } from './downstreamSlice';
import type { StudioState } from './index';

export type RecoveryNotice =
  | { kind: 'gpu'; recovery: GpuRecovery; at: number }
  /** step: where the run was when the worker crashed, or null when none was going. */
  | { kind: 'crash'; message: string; step: number | null; at: number };

export interface RecoverySlice {
  recovery: RecoveryNotice | null;
  gpuRecovered(recovery: GpuRecovery): void;
  /** The worker died: every job it had going is over; the bridge is starting a fresh one. */
  workerCrashed(message: string): void;
  dismissRecovery(): void;
}

const ACTIVE = new Set(['preparing', 'running', 'paused', 'predicting']);

export const createRecoverySlice: StateCreator<StudioState, [], [], RecoverySlice> = (set, get) => ({
  recovery: null,
  gpuRecovered: (recovery) => set({ recovery: { kind: 'gpu', recovery, at: Date.now() } }),
  workerCrashed: (message) => {
    const s = get();
    const run = s.training && ACTIVE.has(s.training.status) ? s.training : null;
    if (s.exportBusy) s.runTransferFailed('export');
    if (s.importBusy) s.runTransferFailed('import');
    if (s.downstream && checkGoing(s.downstream)) s.downstreamEnded(s.downstream.runId, 'failed', `The worker crashed during the check: ${message}`);
    set({
      recovery: { kind: 'crash', message, step: run ? run.step : null, at: Date.now() },
      training: run ? { ...run, status: 'failed', message: `The training worker crashed: ${message}` } : s.training,
      // The new worker reports the checkpoint on disk; the crashed one may have saved a later one.
      checkpoint: null,
      ingest: null,
      proposalRun: null,
      proposalMessage: s.proposalRun ? `The worker crashed while proposals ran: ${message}` : s.proposalMessage,
    });
  },
  dismissRecovery: () => set({ recovery: null }),
});
