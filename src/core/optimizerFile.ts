// AdamW's state as a safetensors file beside the weights, so an exported run resumes exactly: the
// first and second moments of every weight under that weight's detrNames name plus `.exp_avg` and
// `.exp_avg_sq` (torch.optim.AdamW's state keys, same meaning: m and v before bias correction), and
// the number of updates applied in the metadata under `step` (torch's `step`). Loading checks every
// name and shape against the trainer before anything is written.

import type { SafetensorsFile } from './safetensors';
import { readSafetensors, writeSafetensors } from './safetensors';
import { namedDetrVariables } from './detrNames';
import { exportAdamWState, importAdamWState, type AdamWState } from './optim';
import type { Trainer } from './trainer';

export const OPTIMIZER_FORMAT = 'simdetr-studio.adamw';
export const EXP_AVG = '.exp_avg';
export const EXP_AVG_SQ = '.exp_avg_sq';

/** The weight name of each optimiser slot, in slot order. */
function slotNames(t: Trainer): string[] {
  const nameOf = new Map(namedDetrVariables(t.model).map(([name, variable]) => [variable, name]));
  return t.optimizer.slots.map((s, i) => {
    const name = nameOf.get(s.param);
    if (name === undefined) throw new Error(`optimizer: slot ${i} updates a variable (${s.param.name}) that is not a named detector weight`);
    return name;
  });
}

export async function optimizerToSafetensors(t: Trainer, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const names = slotNames(t);
  const state = await exportAdamWState(t.optimizer);
  const shapes = t.optimizer.slots.map((s) => s.param.shape);
  const tensors = names.flatMap((name, i) => [
    { name: name + EXP_AVG, shape: shapes[i] ?? [], data: state.m[i] ?? new Float32Array(0) },
    { name: name + EXP_AVG_SQ, shape: shapes[i] ?? [], data: state.v[i] ?? new Float32Array(0) },
  ]);
  const c = t.optimizer.config;
  return writeSafetensors(tensors, {
    ...metadata,
    format: OPTIMIZER_FORMAT,
    step: String(state.step),
    betas: `${c.beta1},${c.beta2}`,
    eps: String(c.eps),
    weight_decay: String(c.weightDecay),
  });
}

/** A parsed optimizer.safetensors as AdamW state for this trainer, every name and shape checked; writes nothing. */
export function optimizerStateFrom(t: Trainer, file: SafetensorsFile, where = 'optimizer.safetensors'): AdamWState {
  const rawStep = file.metadata.step;
  const step = Number(rawStep);
  if (rawStep === undefined || !Number.isSafeInteger(step) || step < 0) {
    throw new Error(`${where} metadata: expected "step" a non-negative integer, got ${rawStep === undefined ? 'nothing' : JSON.stringify(rawStep)}`);
  }
  const names = slotNames(t);
  const problems: string[] = [];
  const take = (name: string, shape: readonly number[]): Float32Array => {
    const entry = file.tensors.get(name);
    if (entry === undefined) problems.push(`${name}: missing`);
    else if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      problems.push(`${name}: expected shape [${shape.join(', ')}], got [${entry.shape.join(', ')}]`);
    }
    return entry?.data ?? new Float32Array(0);
  };
  const m = names.map((name, i) => take(name + EXP_AVG, t.optimizer.slots[i]?.param.shape ?? []));
  const v = names.map((name, i) => take(name + EXP_AVG_SQ, t.optimizer.slots[i]?.param.shape ?? []));
  const expected = new Set(names.flatMap((name) => [name + EXP_AVG, name + EXP_AVG_SQ]));
  for (const name of file.tensors.keys()) if (!expected.has(name)) problems.push(`${name}: not a moment of this model's weights`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; … ${problems.length - 10} more` : '');
    throw new Error(`${where}: the optimiser state does not fit this model (${problems.length} problems): ${shown}`);
  }
  return { step, m, v };
}

/** Checks the file against the trainer, then restores AdamW's moments and step; returns the step. */
export function loadOptimizerSafetensors(t: Trainer, bytes: Uint8Array): number {
  const state = optimizerStateFrom(t, readSafetensors(bytes));
  importAdamWState(t.optimizer, state);
  return state.step;
}
