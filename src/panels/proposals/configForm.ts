// The fields of the proposal config that the form edits, with their help text (the config's field
// comments, in the units the form uses), and the way form text becomes a checked config.
// Fields the form does not show keep the values of the config it started from.

import { validateProposalConfig, type ProposalConfig } from '../../core/proposalConfig';

export type FormField = 'granularities' | 'minAreaFrac' | 'maxAreaFrac' | 'nmsIou' | 'maxPerImage' | 'numClusters' | 'seed';

export interface FieldSpec {
  name: FormField;
  label: string;
  help: string;
  inputMode: 'numeric' | 'decimal' | 'text';
}

export const FORM_FIELDS: readonly FieldSpec[] = [
  {
    name: 'granularities',
    label: 'Granularities',
    help: 'Cluster counts tried per image, coarse to fine; each gives its own masks. Comma-separated integers.',
    inputMode: 'text',
  },
  { name: 'minAreaFrac', label: 'Min box area (%)', help: 'Smallest kept box, as a percentage of the image area (drops specks).', inputMode: 'decimal' },
  {
    name: 'maxAreaFrac',
    label: 'Max box area (%)',
    help: 'Largest kept box, as a percentage of the image area (drops "the whole image" background).',
    inputMode: 'decimal',
  },
  { name: 'nmsIou', label: 'NMS IoU', help: 'NMS drops a proposal whose IoU with a better one exceeds this.', inputMode: 'decimal' },
  {
    name: 'maxPerImage',
    label: 'Cap per image',
    help: "Most proposals kept per image, best score first. DETR's Q should be ≥ 3× this.",
    inputMode: 'numeric',
  },
  { name: 'numClusters', label: 'Pseudo-classes K', help: 'Pseudo-classes K of the dataset-wide k-means (256 suits large sets).', inputMode: 'numeric' },
  { name: 'seed', label: 'Seed', help: 'Seed of every k-means++ draw, so a run replays exactly.', inputMode: 'numeric' },
];

const PERCENT: ReadonlySet<FormField> = new Set(['minAreaFrac', 'maxAreaFrac']);

/** Shortest decimal text, so 0.07 · 100 shows as 7, not 7.000000000000001. */
const short = (x: number): string => String(Number(x.toPrecision(12)));

export function formText(config: ProposalConfig, field: FormField): string {
  if (field === 'granularities') return config.granularities.join(', ');
  const value = config[field];
  return short(PERCENT.has(field) ? value * 100 : value);
}

/** A number when the text is one; otherwise the text itself, so the error quotes what was typed. */
function parseNumber(text: string): number | string {
  const t = text.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

/** Throws validateProposalConfig's message (naming the field) when a value is out of range. */
export function configFromForm(read: (field: FormField) => string, base: ProposalConfig): ProposalConfig {
  const input: Record<string, unknown> = { ...base };
  for (const { name } of FORM_FIELDS) {
    const text = read(name);
    if (name === 'granularities') {
      input[name] = text.split(',').map(parseNumber).filter((v) => v !== '');
      continue;
    }
    const v = parseNumber(text);
    input[name] = PERCENT.has(name) && typeof v === 'number' ? Number((v / 100).toPrecision(12)) : v;
  }
  return validateProposalConfig(input);
}

/** Fields a validation message names, to mark their inputs invalid. */
export function fieldsNamedIn(message: string): Set<FormField> {
  return new Set(FORM_FIELDS.map((f) => f.name).filter((name) => new RegExp(`\\b${name}:`).test(message)));
}
