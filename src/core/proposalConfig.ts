// The one config of stages 1 (proposals from clustered encoder features) and 2 (pseudo-labels from
// clustered proposal embeddings). Defaults are DESIGN §1's reconstruction of SimDETR; every field
// can be changed by the user, so input from the UI or a saved JSON goes through
// validateProposalConfig, which names the field and says what was expected and what came.
import type { Connectivity } from './components';

export interface ProposalConfig {
  /** Cluster counts tried per image, coarse to fine; each gives its own masks. */
  granularities: readonly number[];
  /** Smallest kept box, as a fraction of the image area (drops specks). */
  minAreaFrac: number;
  /** Largest kept box, as a fraction of the image area (drops "the whole image" background). */
  maxAreaFrac: number;
  /** NMS drops a proposal whose IoU with a better one exceeds this. */
  nmsIou: number;
  /** Most proposals kept per image, best score first. DETR's Q should be ≥ 3× this. */
  maxPerImage: number;
  /** Pseudo-classes K of the dataset-wide k-means (256 suits large sets). */
  numClusters: number;
  /** Seed of every k-means++ draw, so a run replays exactly. */
  seed: number;
  /** Most Lloyd iterations of each k-means. */
  kmeansIters: number;
  /** k-means stops once no centroid moves more than this (L2). */
  kmeansTol: number;
  /** Connected components smaller than this many feature cells are noise, not objects. */
  minComponentCells: number;
  /** 4: cells touching only at a corner are separate objects; 8: they are one. */
  connectivity: Connectivity;
  /** Image pixels per feature cell (the encoder's output stride). */
  stride: number;
}

export const DEFAULT_PROPOSAL_CONFIG: ProposalConfig = {
  granularities: [2, 3, 4, 6, 8],
  minAreaFrac: 0.01,
  maxAreaFrac: 0.9,
  nmsIou: 0.7,
  maxPerImage: 30,
  numClusters: 64,
  seed: 0,
  kmeansIters: 30,
  kmeansTol: 1e-4,
  minComponentCells: 2,
  connectivity: 4,
  stride: 16,
};

type NumberField = Exclude<keyof ProposalConfig, 'granularities' | 'connectivity'>;

/** [integer?, low, high, low inclusive?] for each numeric field; high is always inclusive. */
const NUMBER_RULES: Record<NumberField, readonly [boolean, number, number, boolean]> = {
  minAreaFrac: [false, 0, 1, true],
  maxAreaFrac: [false, 0, 1, false],
  nmsIou: [false, 0, 1, false],
  maxPerImage: [true, 1, 10_000, true],
  numClusters: [true, 1, 65_536, true],
  seed: [true, 0, 0xffffffff, true],
  kmeansIters: [true, 1, 10_000, true],
  kmeansTol: [false, 0, 1, true],
  minComponentCells: [true, 1, 1_000_000, true],
  stride: [true, 1, 1024, true],
};

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}

function checkNumber(field: NumberField, v: unknown): string | null {
  const [integer, lo, hi, loInclusive] = NUMBER_RULES[field];
  const kind = integer ? 'an integer' : 'a number';
  const range = `${loInclusive ? '[' : '('}${lo}, ${hi}]`;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!integer || Number.isInteger(v)) &&
    (loInclusive ? v >= lo : v > lo) &&
    v <= hi;
  return ok ? null : `${field}: expected ${kind} in ${range}, got ${describe(v)}`;
}

function checkGranularities(v: unknown): string | null {
  const ok =
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((k: unknown) => typeof k === 'number' && Number.isInteger(k) && k >= 2 && k <= 64);
  return ok ? null : `granularities: expected a non-empty list of integers in [2, 64], got ${describe(v)}`;
}

/**
 * Narrows unknown input to a ProposalConfig. Missing fields take their defaults; unknown fields
 * are refused (a misspelt field would otherwise be silently ignored). Throws one Error listing
 * every problem, each starting with the field's name.
 */
export function validateProposalConfig(x: unknown): ProposalConfig {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new Error(`proposal config: expected an object, got ${describe(x)}`);
  }
  const input = x as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...DEFAULT_PROPOSAL_CONFIG, ...input };
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_PROPOSAL_CONFIG)) problems.push(`${key}: unknown field`);
  }
  const g = checkGranularities(merged.granularities);
  if (g) problems.push(g);
  if (merged.connectivity !== 4 && merged.connectivity !== 8) {
    problems.push(`connectivity: expected 4 or 8, got ${describe(merged.connectivity)}`);
  }
  for (const field of Object.keys(NUMBER_RULES) as NumberField[]) {
    const p = checkNumber(field, merged[field]);
    if (p) problems.push(p);
  }
  if (problems.length === 0 && (merged.minAreaFrac as number) >= (merged.maxAreaFrac as number)) {
    const [lo, hi] = [describe(merged.minAreaFrac), describe(merged.maxAreaFrac)];
    problems.push(`minAreaFrac: expected less than maxAreaFrac (${hi}), got ${lo}`);
  }
  if (problems.length > 0) throw new Error(`invalid proposal config: ${problems.join('; ')}`);
  const granularities = [...(merged.granularities as number[])];
  return { ...(merged as unknown as ProposalConfig), granularities };
}
