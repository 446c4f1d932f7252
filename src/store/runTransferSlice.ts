// Export and import of a run: the worker does the work (runTransfer.ts); the store only knows
// whether one is under way, and hands an export's bytes to the panel that asked, which saves them.
// One of each at a time: the buttons are disabled while one runs.

import type { StateCreator } from 'zustand';
import { send } from './transport';
import type { StudioState } from './index';

export interface ExportedRun {
  bytes: Uint8Array;
  fileName: string;
}

export interface RunTransferSlice {
  exportBusy: boolean;
  importBusy: boolean;
  /** The zip of the last checkpoint, or null when the worker failed (its error is in the banner). */
  exportRun(): Promise<ExportedRun | null>;
  importRun(file: File): void;
  runExported(run: ExportedRun): void;
  runImported(): void;
  runTransferFailed(where: 'export' | 'import'): void;
}

let pendingExport: ((run: ExportedRun | null) => void) | null = null;

export const createRunTransferSlice: StateCreator<StudioState, [], [], RunTransferSlice> = (set) => ({
  exportBusy: false,
  importBusy: false,
  exportRun: () => {
    pendingExport?.(null);
    const answer = new Promise<ExportedRun | null>((resolve) => (pendingExport = resolve));
    set({ exportBusy: true });
    send({ type: 'exportRun' });
    return answer;
  },
  importRun: (file) => {
    set({ importBusy: true });
    send({ type: 'importRun', file });
  },
  runExported: (run) => {
    set({ exportBusy: false });
    pendingExport?.(run);
    pendingExport = null;
  },
  runImported: () => set({ importBusy: false }),
  runTransferFailed: (where) => {
    if (where === 'import') return set({ importBusy: false });
    set({ exportBusy: false });
    pendingExport?.(null);
    pendingExport = null;
  },
});
