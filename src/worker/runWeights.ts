// The trainer's side of a run archive: its weights in both file forms and AdamW's moments for the
// export, and the checked load of an imported run into a fresh trainer. Kept apart from the store
// (runTransfer.ts) so Node tests run exactly what the worker runs.

import { loadDetrTensors, detrToSafetensors } from '../core/detrNames';
import { importAdamWState } from '../core/optim';
import { optimizerStateFrom, optimizerToSafetensors } from '../core/optimizerFile';
import { detrToTfjsWeights, type TfjsWeightsFiles } from '../core/tfjsWeights';
import type { Trainer } from '../core/trainer';
import type { ImportedRun } from './runArchive';

export interface RunWeightFiles {
  safetensors: Uint8Array;
  tfjs: TfjsWeightsFiles;
  optimizer: Uint8Array;
}

/** Reads the trainer once per file with `await data()`; `metadata` goes into every file. */
export async function runWeightFiles(t: Trainer, metadata: Readonly<Record<string, string>>, generatedBy: string): Promise<RunWeightFiles> {
  return {
    safetensors: await detrToSafetensors(t.model, metadata),
    tfjs: await detrToTfjsWeights(t.model, metadata, generatedBy),
    optimizer: await optimizerToSafetensors(t, metadata),
  };
}

/**
 * Loads an imported run into a trainer built from its config: the weights, and AdamW's moments when
 * the file has them (at the weights' step). Everything is checked before anything is written. Without
 * moments AdamW restarts from zero at that step (its learning-rate schedule continues). Returns
 * whether the moments came back.
 */
export function loadImportedRun(t: Trainer, run: ImportedRun, step: number): { optimizerRestored: boolean } {
  const state = run.optimizer === null ? null : optimizerStateFrom(t, run.optimizer);
  if (state !== null && state.step !== step) {
    throw new Error(`optimizer.safetensors: its step is ${state.step}, the weights' is ${step}: the two files are of different moments of a run`);
  }
  loadDetrTensors(t.model, run.weights);
  if (state === null) {
    t.optimizer.step = step;
    return { optimizerRestored: false };
  }
  importAdamWState(t.optimizer, state);
  return { optimizerRestored: true };
}
