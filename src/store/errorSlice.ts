// Errors reported by the worker, shown until the person dismisses them.

import type { StateCreator } from 'zustand';
import type { StudioState } from './index';

export interface StudioError {
  id: number;
  where: string;
  message: string;
}

export interface ErrorSlice {
  errors: StudioError[];
  reportError(where: string, message: string): void;
  dismissError(id: number): void;
}

let nextErrorId = 1;

export const createErrorSlice: StateCreator<StudioState, [], [], ErrorSlice> = (set) => ({
  errors: [],
  reportError: (where, message) => set((s) => ({ errors: [...s.errors, { id: nextErrorId++, where, message }] })),
  dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
});
