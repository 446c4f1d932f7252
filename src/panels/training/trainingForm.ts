// The fields of the training config that the sidebar edits as text, and how their text becomes a
// checked config. Every keystroke is checked; the store only ever receives a valid config, and
// each problem names the field by its label and says what was expected and what came.

import { validateDetrConfig } from '../../core/detrConfig';
import type { TrainingConfig } from '../../worker/protocol';

export type TextField = 'stepsPerRound' | 'extraRounds' | 'batchSize' | 'lr' | 'classShare' | 'scoreThreshold';
/** The fields that hold a whole number. */
type WholeField = Exclude<TextField, 'lr' | 'classShare' | 'scoreThreshold'>;

export interface TextFieldSpec {
  name: TextField;
  label: string;
  help: string;
  inputMode: 'numeric' | 'decimal';
}

export const TEXT_FIELDS: readonly TextFieldSpec[] = [
  { name: 'stepsPerRound', label: 'Steps per round', help: 'Optimiser steps in each round; round 0 learns from the proposals.', inputMode: 'numeric' },
  {
    name: 'extraRounds',
    label: 'Self-training rounds',
    help: "Rounds after round 0 that learn from the detector's own confident predictions (SimDETR's third ingredient); 0 skips them.",
    inputMode: 'numeric',
  },
  { name: 'batchSize', label: 'Batch size', help: 'Images per step. GPU memory grows with it.', inputMode: 'numeric' },
  {
    name: 'lr',
    label: 'Learning rate',
    help: 'AdamW learning rate of the transformer and heads, e.g. 1e-4; the backbone keeps its preset rate.',
    inputMode: 'decimal',
  },
  {
    name: 'classShare',
    label: 'Pseudo-classes kept',
    help: 'Share of the pseudo-classes round 0 trains on: those whose proposals score highest on average (the rest are mostly background). 1 keeps all.',
    inputMode: 'decimal',
  },
  {
    name: 'scoreThreshold',
    label: 'Self-training threshold',
    help: "A prediction becomes a target of the next round when its class probability is at least this: 0 to 1, by default 0.5.",
    inputMode: 'decimal',
  },
];

/** [lowest, highest] of the whole-number fields. */
const WHOLE: Record<WholeField, readonly [number, number]> = {
  stepsPerRound: [1, 1_000_000],
  extraRounds: [0, 10],
  batchSize: [1, 64],
};

export type FormTexts = Record<TextField, string>;
export type Problems = Partial<Record<TextField, string>>;

export function textsOf(c: TrainingConfig): FormTexts {
  return {
    stepsPerRound: String(c.stepsPerRound), extraRounds: String(c.extraRounds), batchSize: String(c.batchSize), lr: String(c.detr.optim.lr),
    classShare: String(c.classShare), scoreThreshold: String(c.selfTraining.scoreThreshold),
  };
}

const labelOf = (f: TextField) => TEXT_FIELDS.find((s) => s.name === f)?.label ?? f;
const shown = (text: string) => (text === '' ? 'nothing' : JSON.stringify(text));

/** A number when the text is one; otherwise the text, so the message can quote it. */
function parse(text: string): number | string {
  const t = text.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

/** The config with the texts applied, or every field's problem. */
export function applyTexts(base: TrainingConfig, texts: FormTexts): { config: TrainingConfig; problems: Problems } | { config: null; problems: Problems } {
  const problems: Problems = {};
  const whole = {} as Record<WholeField, number>;
  for (const [field, [lo, hi]] of Object.entries(WHOLE) as [WholeField, readonly [number, number]][]) {
    const v = parse(texts[field]);
    if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) whole[field] = v;
    else problems[field] = `${labelOf(field)}: expected a whole number from ${lo} to ${hi}, got ${typeof v === 'number' ? v : shown(v)}`;
  }
  let detr = base.detr;
  try {
    // The core validator owns the learning rate's range; its message is reworded with the label.
    detr = validateDetrConfig({ ...base.detr, optim: { ...base.detr.optim, lr: parse(texts.lr) } });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    problems.lr = `${labelOf('lr')}: ${message.replace(/^invalid detr config: optim\.lr: /, '')}`.replace(/got ""$/, 'got nothing');
  }
  const share = unitField('classShare', texts.classShare, false, problems);
  const score = unitField('scoreThreshold', texts.scoreThreshold, true, problems);
  if (share === null || score === null || Object.keys(problems).length > 0) return { config: null, problems };
  return { config: { ...base, ...whole, detr, classShare: share, selfTraining: { ...base.selfTraining, scoreThreshold: score } }, problems };
}

/** A number in [0, 1] (or (0, 1] without zero), or null with the field's problem recorded. */
function unitField(field: 'classShare' | 'scoreThreshold', text: string, zero: boolean, problems: Problems): number | null {
  const v = parse(text);
  if (typeof v === 'number' && (zero ? v >= 0 : v > 0) && v <= 1) return v;
  problems[field] = `${labelOf(field)}: expected a number ${zero ? 'from 0 to 1' : 'above 0 and at most 1'}, got ${typeof v === 'number' ? v : shown(v)}`;
  return null;
}
