// The studio's store: slices combined into one zustand store. Slow state only; per-step data
// (losses) will live in ring buffers read on animation frames, not here.

import { create } from 'zustand';
import { createBackendSlice, type BackendSlice } from './backendSlice';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice';
import { createErrorSlice, type ErrorSlice } from './errorSlice';
import { createProposalsSlice, type ProposalsSlice } from './proposalsSlice';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice';
import { createRunTransferSlice, type RunTransferSlice } from './runTransferSlice';
import { createRecoverySlice, type RecoverySlice } from './recoverySlice';
import { createStorageSlice, type StorageSlice } from './storageSlice';
import { createDownstreamSlice, type DownstreamSlice } from './downstreamSlice';
import { loadBackendSettings } from './settings';

export type StudioState = BackendSlice & DatasetSlice & ErrorSlice & ProposalsSlice & TrainingSlice & RunTransferSlice & RecoverySlice & StorageSlice & DownstreamSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createBackendSlice(loadBackendSettings())(...a),
  ...createDatasetSlice(...a),
  ...createErrorSlice(...a),
  ...createProposalsSlice(...a),
  ...createTrainingSlice(...a),
  ...createRunTransferSlice(...a),
  ...createRecoverySlice(...a),
  ...createStorageSlice(...a),
  ...createDownstreamSlice(...a),
}));
