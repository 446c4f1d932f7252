// A trainer's whole state as plain data — every weight (in the trainer's fixed variable order),
// the optimiser's moments and step — so a run can be saved, restored after a reload or a crash,
// and continued exactly. Import checks every shape before it writes anything.

import * as tf from '@tensorflow/tfjs';
import { exportAdamWState, importAdamWState, type AdamWState } from './optim';
import type { Trainer } from './trainer';

export interface TrainerSnapshot {
  /** [variable] values, in Trainer.variables order. */
  weights: Float32Array[];
  shapes: number[][];
  optimizer: AdamWState;
}

export async function snapshotTrainer(t: Trainer): Promise<TrainerSnapshot> {
  const weights = await Promise.all(t.variables.map((v) => v.data<'float32'>()));
  return { weights, shapes: t.variables.map((v) => [...v.shape]), optimizer: await exportAdamWState(t.optimizer) };
}

export function restoreTrainer(t: Trainer, snapshot: unknown): void {
  if (typeof snapshot !== 'object' || snapshot === null) throw new Error(`checkpoint: expected an object, got ${String(snapshot)}`);
  const { weights, shapes, optimizer } = snapshot as Record<string, unknown>;
  if (!Array.isArray(weights) || !Array.isArray(shapes) || weights.length !== t.variables.length || shapes.length !== t.variables.length) {
    throw new Error(`checkpoint: expected ${t.variables.length} weights and shapes for this config, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
  }
  t.variables.forEach((v, i) => {
    const w: unknown = weights[i];
    const shape: unknown = shapes[i];
    const same = Array.isArray(shape) && shape.length === v.shape.length && shape.every((d, j) => d === v.shape[j]);
    if (!(w instanceof Float32Array) || w.length !== v.size || !same) {
      throw new Error(`checkpoint: weight ${i} should have shape [${v.shape.join(', ')}], got [${Array.isArray(shape) ? shape.join(', ') : '?'}]`);
    }
  });
  importAdamWState(t.optimizer, optimizer);
  tf.tidy(() => t.variables.forEach((v, i) => v.assign(tf.tensor(weights[i] as Float32Array, v.shape))));
}
