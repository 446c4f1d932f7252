// The downstream check's settings as the panel edits them: text fields, each checked as it is typed;
// a problem names the field by its label and says what was expected and what came.

import type { DownstreamSettings } from '../../core/downstream';

/** The settings typed as text; `tune` and `augment` are choices. */
export type DownstreamField = Exclude<keyof DownstreamSettings, 'tune' | 'augment'>;

export interface DownstreamFieldSpec {
  name: DownstreamField;
  label: string;
  help: string;
  /** [lowest, highest]; whole numbers only where `whole`. Fractions exclude their ends. */
  range: readonly [number, number];
  whole: boolean;
}

export const DOWNSTREAM_FIELDS: readonly DownstreamFieldSpec[] = [
  { name: 'trainFraction', label: 'Labeled share that fine-tunes', help: 'The rest is held out for AP, e.g. 0.1 (the paper’s few-label setting).', range: [0, 1], whole: false },
  { name: 'steps', label: 'Fine-tuning steps', help: 'The same schedule for both detectors.', range: [1, 1_000_000], whole: true },
  { name: 'evalEvery', label: 'Evaluate every', help: 'Steps between AP measurements on the held-out images.', range: [1, 1_000_000], whole: true },
  { name: 'batchSize', label: 'Batch size', help: 'Images per fine-tuning step.', range: [1, 64], whole: true },
  { name: 'lr', label: 'Learning rate', help: 'Transformer and heads; the backbone gets a tenth.', range: [0, 1], whole: false },
  { name: 'seed', label: 'Seed', help: 'Decides the split and the batches, the same for both detectors.', range: [0, 2 ** 31 - 1], whole: true },
];

export type DownstreamTexts = Record<DownstreamField, string>;

export function downstreamTexts(s: DownstreamSettings): DownstreamTexts {
  return Object.fromEntries(DOWNSTREAM_FIELDS.map((f) => [f.name, String(s[f.name])])) as DownstreamTexts;
}

/** The settings the texts say (with the choices), or each field's problem. */
export function applyDownstreamTexts(
  texts: DownstreamTexts,
  choices: Pick<DownstreamSettings, 'tune' | 'augment'>,
): { settings: DownstreamSettings; problems: null } | { settings: null; problems: Partial<Record<DownstreamField, string>> } {
  const problems: Partial<Record<DownstreamField, string>> = {};
  const values: Partial<Record<DownstreamField, number>> = {};
  for (const f of DOWNSTREAM_FIELDS) {
    const text = texts[f.name].trim();
    const n = Number(text);
    const [lo, hi] = f.range;
    const open = !f.whole; // a share or a rate: strictly between its ends
    const inRange = open ? n > lo && n < hi : n >= lo && n <= hi;
    if (text === '' || !Number.isFinite(n) || (f.whole && !Number.isInteger(n)) || !inRange) {
      const want = f.whole ? `a whole number from ${lo} to ${hi}` : `a number between ${lo} and ${hi}`;
      problems[f.name] = `${f.label}: expected ${want}, got ${text === '' ? 'nothing' : JSON.stringify(text)}`;
    } else values[f.name] = n;
  }
  if (Object.keys(problems).length > 0) return { settings: null, problems };
  const settings = { ...(values as Record<DownstreamField, number>), tune: choices.tune, augment: choices.augment };
  if (settings.evalEvery > settings.steps) {
    return { settings: null, problems: { evalEvery: `Evaluate every: ${settings.evalEvery} steps is more than the ${settings.steps} fine-tuning steps` } };
  }
  return { settings, problems: null };
}
