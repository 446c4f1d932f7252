// When a pretraining run may start, and which statuses count as "a run is going". One place, so the
// buttons, the locked settings and the pin button agree.

import type { TrainingStatus } from '../../worker/protocol';

const ACTIVE: ReadonlySet<TrainingStatus> = new Set(['preparing', 'running', 'paused', 'predicting']);

/** A run is going (its settings and pins are fixed until it ends). */
export function isActive(status: TrainingStatus | null | undefined): boolean {
  return status != null && ACTIVE.has(status);
}

export interface StartInputs {
  images: number;
  ingesting: boolean;
  backendFailed: boolean;
  proposalsRunning: boolean;
  /** A proposals run finished, so every image has boxes and pseudo-classes to learn from. */
  proposalsComplete: boolean;
  status: TrainingStatus | null;
  formInvalid: boolean;
  /** The downstream check is fine-tuning (the worker trains one thing at a time). */
  checkRunning: boolean;
}

/** Why "Start pretraining" cannot run now, said to the person, or null when it can. */
export function startBlockedBecause(s: StartInputs): string | null {
  if (isActive(s.status)) return 'A pretraining run is going; stop it to start another.';
  if (s.backendFailed) return 'No compute backend could start.';
  if (s.images === 0) return 'Add images first.';
  if (s.ingesting) return 'Images are being added; start once they are in.';
  if (s.proposalsRunning) return 'Proposals are running; start once they finish.';
  if (s.checkRunning) return 'The downstream check is running; start once it ends.';
  if (!s.proposalsComplete) return 'Run proposals first: pretraining learns from their boxes and pseudo-classes.';
  if (s.formInvalid) return 'Fix the settings first.';
  return null;
}
