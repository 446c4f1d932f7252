// The one config of stage 3: the DETR detector (backbone, transformer, heads) and its optimiser.
// Defaults follow DESIGN §1 (detr's recipe, scaled down for a browser). Each builder takes only its
// sub-config (`backbone`, `transformer`, `optim`). Input from the UI or a saved JSON goes through
// validateDetrConfig, which names the bad field and says what was expected and what came.

/** 'encoder': copy the ImageNet encoder's weights; 'scratch': He-normal random init (SimDETR's 2nd finding). */
export type BackboneInit = 'encoder' | 'scratch';
/** The MobileNetV2 map the transformer reads: stride 16 (136 channels) or stride 32 (1792, detr's C5). */
export type DetrFeatureLevel = 'stride16' | 'stride32';

/** detr's dense attention, or Deformable DETR's multi-scale deformable attention. */
export type AttentionKind = 'dense' | 'deformable';

export interface BackboneConfig {
  /** Where the trainable backbone starts; the proposal encoder stays frozen either way. */
  init: BackboneInit;
  /** Stride 16 keeps small objects visible on small images; stride 32 costs 4× fewer tokens. */
  featureLevel: DetrFeatureLevel;
}

export interface TransformerConfig {
  /** Hidden size D of every token; a multiple of 4 (sine positions give D/2 per axis in sin/cos pairs). */
  dModel: number;
  /** Attention heads; must divide dModel. */
  numHeads: number;
  /** Encoder layers over the image tokens. */
  numEncoderLayers: number;
  /** Decoder layers; each one's output gets the heads and an auxiliary loss. */
  numDecoderLayers: number;
  /** Hidden size of each layer's feed-forward block (detr: 2048 at D = 256). */
  dimFeedforward: number;
  /** Dropout after attention weights, residual branches and inside the FFN (detr: 0.1). */
  dropout: number;
  /** LayerNorm before each block instead of after (detr's default is after: false). */
  preNorm: boolean;
  /**
   * 'dense': detr's attention over every token of one map; 'deformable': Deformable DETR's multi-scale
   * deformable attention (strides 8–64, a few sampled points per query), post-norm only.
   */
  attention: AttentionKind;
  /** Sampled points per head and level of deformable attention (Deformable DETR: 4). */
  numPoints: number;
}

export interface OptimConfig {
  /** AdamW learning rate of everything but the backbone. */
  lr: number;
  /** AdamW learning rate of the backbone (detr: 10× lower than lr; 0 would freeze it, never wanted here). */
  lrBackbone: number;
  /** Decoupled weight decay, applied to every parameter as in detr. */
  weightDecay: number;
  /** Adam's first-moment decay. */
  beta1: number;
  /** Adam's second-moment decay. */
  beta2: number;
  /** Adam's denominator guard. */
  eps: number;
  /** Gradients are rescaled so their global L2 norm is at most this; 0 turns clipping off. */
  clipMaxNorm: number;
  /** Steps of linear warm-up from lr/warmupSteps to lr; 0 starts at full lr. */
  warmupSteps: number;
  /** The learning rate is multiplied by lrDropFactor every this many steps (detr's StepLR). */
  lrDropEvery: number;
  /** Factor of each drop (detr: 0.1). */
  lrDropFactor: number;
}

export interface DetrConfig {
  /** Short side S of the training images in pixels. */
  imageSize: number;
  /** Pseudo-classes K; filled from the pseudo-labels at run time (the head predicts K + 1 with no-object). */
  numClasses: number;
  /** Learned object queries Q; should be ≥ 3× the proposals per image. */
  numQueries: number;
  /** Seed of every initial weight and dropout mask, so a run replays exactly. */
  seed: number;
  backbone: BackboneConfig;
  transformer: TransformerConfig;
  optim: OptimConfig;
}

const OPTIM: OptimConfig = {
  lr: 1e-4,
  lrBackbone: 1e-5,
  weightDecay: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  clipMaxNorm: 0.1,
  warmupSteps: 100,
  lrDropEvery: 20_000,
  lrDropFactor: 0.1,
};

export const DETR_PRESETS = {
  /** Unit tests and CI: runs the real code path in seconds on the CPU backend. */
  tiny: {
    imageSize: 128,
    numClasses: 64,
    numQueries: 30,
    seed: 0,
    backbone: { init: 'encoder', featureLevel: 'stride16' },
    transformer: { dModel: 64, numHeads: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, dropout: 0, preNorm: false, attention: 'dense', numPoints: 4 },
    // No lr drop within a demo-length run: on the demo, dropping at step 1,000 left the detector at AP50
    // 5.46 after 2,000 steps, against 6.38 without (its proposals: 5.33).
    optim: { ...OPTIM, warmupSteps: 10 },
  },
  /** What a laptop's integrated GPU trains in minutes to hours. */
  laptop: {
    imageSize: 320,
    numClasses: 64,
    numQueries: 100,
    seed: 0,
    backbone: { init: 'encoder', featureLevel: 'stride16' },
    transformer: { dModel: 128, numHeads: 8, numEncoderLayers: 3, numDecoderLayers: 3, dimFeedforward: 512, dropout: 0.1, preNorm: false, attention: 'dense', numPoints: 4 },
    optim: OPTIM,
  },
  /** detr's shape (FFN halved); stride 32 as detr's C5 keeps dense attention affordable at 512 px. */
  paper: {
    imageSize: 512,
    numClasses: 64,
    numQueries: 300,
    seed: 0,
    backbone: { init: 'encoder', featureLevel: 'stride32' },
    transformer: { dModel: 256, numHeads: 8, numEncoderLayers: 6, numDecoderLayers: 6, dimFeedforward: 1024, dropout: 0.1, preNorm: false, attention: 'dense', numPoints: 4 },
    optim: { ...OPTIM, warmupSteps: 500, lrDropEvery: 100_000 },
  },
} as const satisfies Record<string, DetrConfig>;

export type DetrPreset = keyof typeof DETR_PRESETS;

/** A fresh, mutable copy of a preset. */
export function detrPreset(name: DetrPreset): DetrConfig {
  return structuredClone(DETR_PRESETS[name]) as DetrConfig;
}

export const DEFAULT_DETR_CONFIG: DetrConfig = detrPreset('laptop');

/** [integer?, low, high, low inclusive?]; high is always inclusive. */
type NumberRule = readonly [boolean, number, number, boolean];
const TOP_RULES: Record<'imageSize' | 'numClasses' | 'numQueries' | 'seed', NumberRule> = {
  imageSize: [true, 32, 4096, true],
  numClasses: [true, 1, 65_536, true],
  numQueries: [true, 1, 10_000, true],
  seed: [true, 0, 0xffffffff, true],
};
const TRANSFORMER_RULES: Record<Exclude<keyof TransformerConfig, 'preNorm' | 'attention'>, NumberRule> = {
  dModel: [true, 4, 4096, true],
  numHeads: [true, 1, 256, true],
  numEncoderLayers: [true, 0, 64, true],
  numDecoderLayers: [true, 1, 64, true],
  dimFeedforward: [true, 1, 65_536, true],
  dropout: [false, 0, 0.9, true],
  numPoints: [true, 1, 64, true],
};
const OPTIM_RULES: Record<keyof OptimConfig, NumberRule> = {
  lr: [false, 0, 1, false],
  lrBackbone: [false, 0, 1, false],
  weightDecay: [false, 0, 1, true],
  beta1: [false, 0, 1, true],
  beta2: [false, 0, 1, true],
  eps: [false, 0, 1, false],
  clipMaxNorm: [false, 0, 1e6, true],
  warmupSteps: [true, 0, 1e9, true],
  lrDropEvery: [true, 1, 1e12, true],
  lrDropFactor: [false, 0, 1, false],
};

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkNumber(path: string, [integer, lo, hi, loIn]: NumberRule, v: unknown): string | null {
  const inRange = typeof v === 'number' && Number.isFinite(v) && (loIn ? v >= lo : v > lo) && v <= hi;
  if (inRange && (!integer || Number.isInteger(v))) return null;
  return `${path}: expected ${integer ? 'an integer' : 'a number'} in ${loIn ? '[' : '('}${lo}, ${hi}], got ${show(v)}`;
}

function checkChoice(path: string, choices: readonly string[], v: unknown): string | null {
  return typeof v === 'string' && choices.includes(v) ? null : `${path}: expected ${choices.map(show).join(' or ')}, got ${show(v)}`;
}

/** Merges `input[key]` over `defaults`, refusing unknown fields; records problems under `path.`. */
function mergeSection(path: string, defaults: object, input: unknown, problems: string[]): Record<string, unknown> {
  if (input === undefined) return { ...defaults };
  if (!isRecord(input)) {
    problems.push(`${path}: expected an object, got ${show(input)}`);
    return { ...defaults };
  }
  for (const key of Object.keys(input)) if (!(key in defaults)) problems.push(`${path}${path ? '.' : ''}${key}: unknown field`);
  return { ...defaults, ...input };
}

function checkRules(path: string, rules: Record<string, NumberRule>, section: Record<string, unknown>, problems: string[]): void {
  for (const [field, rule] of Object.entries(rules)) {
    const p = checkNumber(`${path}.${field}`, rule, section[field]);
    if (p) problems.push(p);
  }
}

/**
 * Narrows unknown input to a DetrConfig. Missing fields (at any depth) take DEFAULT_DETR_CONFIG's values;
 * unknown fields are refused. Throws one Error listing every problem, each starting with the field's path.
 */
export function validateDetrConfig(x: unknown): DetrConfig {
  if (!isRecord(x)) throw new Error(`detr config: expected an object, got ${show(x)}`);
  const d = DEFAULT_DETR_CONFIG;
  const problems: string[] = [];
  const top = mergeSection('', d, x, problems);
  const backbone = mergeSection('backbone', d.backbone, x.backbone, problems);
  const transformer = mergeSection('transformer', d.transformer, x.transformer, problems);
  const optim = mergeSection('optim', d.optim, x.optim, problems);
  for (const [field, rule] of Object.entries(TOP_RULES)) {
    const p = checkNumber(field, rule, top[field]);
    if (p) problems.push(p);
  }
  const choices = [
    checkChoice('backbone.init', ['encoder', 'scratch'], backbone.init),
    checkChoice('backbone.featureLevel', ['stride16', 'stride32'], backbone.featureLevel),
    typeof transformer.preNorm === 'boolean' ? null : `transformer.preNorm: expected true or false, got ${show(transformer.preNorm)}`,
    checkChoice('transformer.attention', ['dense', 'deformable'], transformer.attention),
    transformer.attention === 'deformable' && transformer.preNorm === true ? 'transformer.preNorm: deformable attention is post-norm only, expected false' : null,
  ];
  for (const p of choices) if (p) problems.push(p);
  checkRules('transformer', TRANSFORMER_RULES, transformer, problems);
  checkRules('optim', OPTIM_RULES, optim, problems);
  const { dModel, numHeads } = transformer;
  if (problems.length === 0 && (dModel as number) % 4 !== 0) {
    problems.push(`transformer.dModel: expected a multiple of 4 (sine positions), got ${show(dModel)}`);
  }
  if (problems.length === 0 && (dModel as number) % (numHeads as number) !== 0) {
    problems.push(`transformer.numHeads: expected a divisor of dModel (${show(dModel)}), got ${show(numHeads)}`);
  }
  if (problems.length > 0) throw new Error(`invalid detr config: ${problems.join('; ')}`);
  return { ...top, backbone, transformer, optim } as unknown as DetrConfig;
}
