// What the studio keeps on this machine: the browser's estimate for the whole origin and the
// worker's count by kind (cached images, checkpoints), and the actions that free it.

import type { StateCreator } from 'zustand';
import type { StorageUsage } from '../worker/protocol';
import { send } from './transport';
import type { StudioState } from './index';

export interface StorageEstimateSummary {
  /** Bytes this origin uses, and may use, as navigator.storage.estimate() says. */
  usage: number;
  quota: number;
}

export interface StorageSlice {
  storageUsage: StorageUsage | null;
  storageEstimate: StorageEstimateSummary | null;
  refreshStorage(): void;
  deleteCheckpoints(): void;
  storageUsageArrived(usage: StorageUsage): void;
}

export const createStorageSlice: StateCreator<StudioState, [], [], StorageSlice> = (set) => ({
  storageUsage: null,
  storageEstimate: null,
  refreshStorage: () => {
    send({ type: 'storageUsage' });
    // Absent outside secure contexts; the per-kind sizes still show.
    if (!('storage' in navigator) || typeof navigator.storage.estimate !== 'function') return;
    navigator.storage.estimate().then(
      (e) => set({ storageEstimate: { usage: e.usage ?? 0, quota: e.quota ?? 0 } }),
      () => set({ storageEstimate: null }),
    );
  },
  deleteCheckpoints: () => send({ type: 'clearCheckpoints' }),
  storageUsageArrived: (usage) => set({ storageUsage: usage }),
});
