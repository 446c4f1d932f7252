// Which TensorFlow.js backend and adapter the worker runs on, and why anything fell back.

import type { StateCreator } from 'zustand';
import type { BackendPreference, BackendReport } from '../worker/protocol';
import type { StudioState } from './index';

export interface BackendSettings {
  backend: BackendPreference;
  allowFallbackAdapter: boolean;
}

export interface BackendSlice {
  backendStatus: 'starting' | 'ready' | 'failed';
  backendReport: BackendReport | null;
  backendError: string | null;
  backendSettings: BackendSettings;
  backendReady(report: BackendReport): void;
  backendFailed(message: string): void;
}

export const createBackendSlice =
  (settings: BackendSettings): StateCreator<StudioState, [], [], BackendSlice> =>
  (set) => ({
    backendStatus: 'starting',
    backendReport: null,
    backendError: null,
    backendSettings: settings,
    backendReady: (report) => set({ backendStatus: 'ready', backendReport: report, backendError: null }),
    backendFailed: (message) => set({ backendStatus: 'failed', backendError: message }),
  });
