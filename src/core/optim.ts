// The detector's optimiser, which tfjs-core lacks: AdamW (Loshchilov & Hutter, 2019) with decoupled
// weight decay and bias correction, exactly as torch.optim.AdamW; parameter groups with their own
// learning rate (detr: backbone 1e-5, the rest 1e-4); a linear warm-up then step-decay schedule; and
// clipping by the global gradient norm (detr: 0.1). Moments live in non-trainable variables updated
// in place, so a step allocates nothing that outlives it; they export to plain arrays for checkpoints.
//
// Update of a parameter p with gradient g at step t (1-based), group rate lr·schedule(t):
//   m ← β1·m + (1−β1)·g      v ← β2·v + (1−β2)·g²
//   p ← p·(1 − lr·wd) − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
import * as tf from '@tensorflow/tfjs';
import { addAll } from './addAll';
import type { OptimConfig } from './detrConfig';

export interface ParamGroup {
  readonly name: string;
  readonly variables: readonly tf.Variable[];
  /** This group's peak learning rate (the schedule scales it). */
  readonly lr: number;
}

interface Slot {
  readonly param: tf.Variable;
  readonly lr: number;
  readonly m: tf.Variable; // first moment, shaped like param
  readonly v: tf.Variable; // second moment, shaped like param
}

export interface AdamW {
  readonly config: OptimConfig;
  readonly slots: readonly Slot[];
  /** Updates applied so far; the next one is step + 1 in the bias correction. */
  step: number;
}

/** The moments and step as plain data, in the order of the groups' variables. */
export interface AdamWState {
  readonly step: number;
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

const zerosLike = (p: tf.Variable): tf.Variable => tf.tidy(() => tf.variable(tf.zerosLike(p), false));

export function createAdamW(cfg: OptimConfig, groups: readonly ParamGroup[]): AdamW {
  const seen = new Set<string>();
  for (const g of groups) {
    for (const p of g.variables) {
      if (seen.has(p.name)) throw new Error(`createAdamW: variable ${p.name} appears in more than one group (second: ${g.name})`);
      seen.add(p.name);
    }
  }
  const slots = groups.flatMap((g) => g.variables.map((param) => ({ param, lr: g.lr, m: zerosLike(param), v: zerosLike(param) })));
  return { config: cfg, slots, step: 0 };
}

/** detr's two groups: the backbone at lrBackbone, everything else at lr. */
export function backboneAndRestGroups(cfg: OptimConfig, vars: { backbone: readonly tf.Variable[]; rest: readonly tf.Variable[] }): ParamGroup[] {
  return [
    { name: 'backbone', variables: vars.backbone, lr: cfg.lrBackbone },
    { name: 'rest', variables: vars.rest, lr: cfg.lr },
  ];
}

/** The schedule's factor for the update with 0-based index `step`: (step+1)/warmup up to 1, times dropFactor^⌊step/dropEvery⌋. */
export function learningRateFactor(cfg: Pick<OptimConfig, 'warmupSteps' | 'lrDropEvery' | 'lrDropFactor'>, step: number): number {
  const warm = cfg.warmupSteps > 0 ? Math.min(1, (step + 1) / cfg.warmupSteps) : 1;
  return warm * cfg.lrDropFactor ** Math.floor(step / cfg.lrDropEvery);
}

/** √(Σ ‖g‖²) over every gradient. */
export function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g))); // [] each
    return tf.sqrt(squares.length === 0 ? tf.scalar(0) : addAll(squares)) as tf.Scalar; // []
  });
}

/** min(1, maxNorm / norm): the factor that brings a global norm above maxNorm down to exactly maxNorm. */
function clipScale(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.tidy(() => tf.minimum(1, tf.div(maxNorm, norm))); // [] (norm 0 → ∞ → 1)
}

/**
 * Global L2 norm of all gradients, and the gradients scaled by min(1, maxNorm / norm) so the clipped
 * norm is exactly maxNorm when above it (torch adds 1e-6 to the norm; we do not). Nothing is read back.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = globalNorm(grads); // []
    const scale = clipScale(norm, maxNorm); // []
    const clipped: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, scale);
    return { grads: clipped, norm };
  });
}

/**
 * Parameters updated by one fused set of ops, up to this many elements together. Updating each
 * parameter on its own took ~13 kernels apiece, 3,400 of a laptop step's 13,600, and on WebGPU a
 * step's time is mostly the cost of launching kernels (an H200 computed for 0.37 s of a 2.3 s step).
 * The many small parameters (biases, norms, small layers) share chunks; a large one stays alone.
 * The cap is small because the wasm backend copies a whole tensor to read each slice of it.
 */
export const FUSED_UPDATE_ELEMENTS = 1 << 16;

interface Chunk {
  readonly slots: readonly Slot[];
  readonly rate: number;
  /** The chunk's gradients end to end, before clipping. */
  readonly grad: tf.Tensor1D;
}

/** Params (with their flat gradients) in runs of one learning rate and at most FUSED_UPDATE_ELEMENTS each. */
function fusedChunks(opt: AdamW, grads: tf.NamedTensorMap, factor: number): Chunk[] {
  const runs: { slots: Slot[]; lr: number; size: number }[] = [];
  for (const slot of opt.slots) {
    if (grads[slot.param.name] === undefined) continue;
    const last = runs.at(-1);
    if (last && last.lr === slot.lr && last.size + slot.param.size <= FUSED_UPDATE_ELEMENTS) {
      last.slots.push(slot);
      last.size += slot.param.size;
    } else {
      runs.push({ slots: [slot], lr: slot.lr, size: slot.param.size });
    }
  }
  return runs.map(({ slots, lr }) => ({ slots, rate: lr * factor, grad: flatten(slots.map((s) => grads[s.param.name]!)) }));
}

/** Tensors end to end as one vector [Σ sizes]. */
function flatten(ts: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => (ts.length === 1 ? tf.reshape(ts[0]!, [-1]) : tf.concat(ts.map((t) => tf.reshape(t, [-1])), 0)) as tf.Tensor1D);
}

/**
 * One AdamW update of every parameter that has a gradient (keyed by variable name, as tf.variableGrads
 * returns them); parameters without one are skipped, as torch skips a None grad. Clips by global norm
 * first when clipMaxNorm > 0. Returns the global gradient norm before clipping (dispose it; read it
 * with data()). The caller still owns and disposes `grads`. Parameters are updated in fused chunks
 * (FUSED_UPDATE_ELEMENTS): their gradients, moments and values end to end, the same elementwise
 * arithmetic, then split back into place.
 */
export function adamWStep(opt: AdamW, grads: tf.NamedTensorMap): tf.Scalar {
  const cfg = opt.config;
  const factor = learningRateFactor(cfg, opt.step);
  const t = opt.step + 1;
  const correction1 = 1 - cfg.beta1 ** t;
  const correction2 = 1 - cfg.beta2 ** t;
  const chunks = fusedChunks(opt, grads, factor);
  try {
    const norm = tf.tidy(() => tf.sqrt(chunks.length === 0 ? tf.scalar(0) : addAll(chunks.map((c) => tf.sum(tf.square(c.grad))))) as tf.Scalar); // []
    const scale = cfg.clipMaxNorm > 0 ? clipScale(norm, cfg.clipMaxNorm) : null; // []
    for (const { slots, rate, grad } of chunks) {
      tf.tidy(() => {
        const g = scale === null ? grad : tf.mul(grad, scale); // [N]
        const m = tf.add<tf.Tensor1D>(tf.mul(flatten(slots.map((s) => s.m)), cfg.beta1), tf.mul(g, 1 - cfg.beta1)); // [N]
        const v = tf.add<tf.Tensor1D>(tf.mul(flatten(slots.map((s) => s.v)), cfg.beta2), tf.mul(tf.square(g), 1 - cfg.beta2)); // [N]
        const denom = tf.add(tf.sqrt(tf.div(v, correction2)), cfg.eps);
        const update = tf.div(tf.mul(m, rate / correction1), denom);
        const p = tf.sub<tf.Tensor1D>(tf.mul(flatten(slots.map((s) => s.param)), 1 - rate * cfg.weightDecay), update); // [N]
        let offset = 0;
        for (const s of slots) {
          const piece = (x: tf.Tensor1D) => tf.reshape(slots.length === 1 ? x : tf.slice(x, [offset], [s.param.size]), s.param.shape);
          s.m.assign(piece(m));
          s.v.assign(piece(v));
          s.param.assign(piece(p));
          offset += s.param.size;
        }
      });
    }
    scale?.dispose();
    opt.step = t;
    return norm;
  } finally {
    tf.dispose(chunks.map((c) => c.grad));
  }
}

export async function exportAdamWState(opt: AdamW): Promise<AdamWState> {
  const read = (t: tf.Tensor) => t.data<'float32'>();
  const m = await Promise.all(opt.slots.map((s) => read(s.m)));
  const v = await Promise.all(opt.slots.map((s) => read(s.v)));
  return { step: opt.step, m, v };
}

function checkArrays(name: string, arrays: unknown, slots: readonly Slot[]): Float32Array[] {
  if (!Array.isArray(arrays) || arrays.length !== slots.length) {
    const got = Array.isArray(arrays) ? `${arrays.length} arrays` : typeof arrays;
    throw new Error(`importAdamWState: expected ${name} as ${slots.length} Float32Arrays, got ${got}`);
  }
  return slots.map((s, i) => {
    const a: unknown = arrays[i];
    if (!(a instanceof Float32Array) || a.length !== s.param.size) {
      const got = a instanceof Float32Array ? `length ${a.length}` : typeof a;
      throw new Error(`importAdamWState: expected ${name}[${i}] a Float32Array of length ${s.param.size}, got ${got}`);
    }
    return a;
  });
}

/** Restores exported state; checks everything before writing anything. */
export function importAdamWState(opt: AdamW, state: unknown): void {
  if (typeof state !== 'object' || state === null) throw new Error(`importAdamWState: expected an object, got ${String(state)}`);
  const { step, m, v } = state as Record<string, unknown>;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    throw new Error(`importAdamWState: expected step a non-negative integer, got ${String(step)}`);
  }
  const ms = checkArrays('m', m, opt.slots);
  const vs = checkArrays('v', v, opt.slots);
  tf.tidy(() => {
    ms.forEach((a, i) => opt.slots[i]?.m.assign(tf.tensor(a, opt.slots[i]?.param.shape)));
    vs.forEach((a, i) => opt.slots[i]?.v.assign(tf.tensor(a, opt.slots[i]?.param.shape)));
  });
  opt.step = step;
}

export function disposeAdamW(opt: AdamW): void {
  for (const s of opt.slots) tf.dispose([s.m, s.v]);
}
