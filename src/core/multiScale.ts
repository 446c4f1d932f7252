// The multi-scale input of the deformable transformer (Deformable DETR's input_proj and level_embed):
// the backbone's stride-8, -16 and -32 maps, each projected to D by a 1×1 convolution with GroupNorm,
// plus a stride-64 level from a 3×3 stride-2 convolution (with GroupNorm) on the stride-32 map. The
// levels are flattened and concatenated into S tokens; each token's position is the 2-D sine encoding
// of its level plus a learned embedding of the level. The encoder's reference point of a token is its
// cell centre, read at the same relative place on every level.
//
// Dimensions: B batch, L levels, H_l×W_l cells of level l, S = Σ H_l·W_l tokens, C_l backbone
// channels, D model width, G GroupNorm groups.
import * as tf from '@tensorflow/tfjs';
import { conv3x3 } from './conv3x3';
import type { LevelShape } from './deformableAttention';
import { buildLinear, constantVariable, linear, linearVariables, normal, randomVariable, uniform, type Linear } from './layers';
import { sinePositionEncoding } from './positionEncoding';
import type { ConvWeights } from './mobilenetV2';
import type { Rng } from './rng';

export interface GroupNorm {
  readonly gamma: tf.Variable<tf.Rank.R1>; // [D]
  readonly beta: tf.Variable<tf.Rank.R1>; // [D]
  readonly groups: number;
}

export interface MultiScaleNeck {
  readonly projections: readonly { readonly proj: Linear; readonly norm: GroupNorm }[]; // one per backbone map: [C_l, D]
  readonly extra: { readonly conv: ConvWeights; readonly norm: GroupNorm }; // [3, 3, C_last, D], stride 2
  readonly levelEmbed: tf.Variable<tf.Rank.R2>; // [L, D]
}

/** The multi-scale tokens the transformer reads. */
export type MultiScaleTokens = {
  readonly src: tf.Tensor3D; // [B, S, D]
  readonly pos: tf.Tensor3D; // [B, S, D] sine positions + level embedding
  readonly levels: LevelShape[];
};

/** 32 groups, as Deformable DETR, or fewer when D is small (every group needs ≥ 2 channels). */
function buildGroupNorm(d: number): GroupNorm {
  let groups = Math.min(32, d / 2);
  while (d % groups !== 0) groups--;
  return { gamma: constantVariable(d, 1), beta: constantVariable(d, 0), groups };
}

/** x [B, h, w, D] normalised over each group of D/G channels and all cells (eps 1e-5, as torch). */
export function groupNorm(norm: GroupNorm, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, d] = x.shape;
    const grouped = tf.reshape(x, [b, h * w, norm.groups, d / norm.groups]); // [B, h·w, G, D/G]
    const { mean, variance } = tf.moments(grouped, [1, 3], true); // [B, 1, G, 1]
    const normed = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, 1e-5))), [b, h, w, d]); // [B, h, w, D]
    return tf.add(tf.mul(normed, norm.gamma), norm.beta);
  });
}

export function buildMultiScaleNeck(channels: readonly number[], d: number, rng: Rng): MultiScaleNeck {
  const last = channels.at(-1) ?? 0;
  const bound = Math.sqrt(6 / (9 * last + 9 * d)); // Xavier over the 3×3 window
  return {
    projections: channels.map((c) => ({ proj: buildLinear(c, d, rng, 'xavier'), norm: buildGroupNorm(d) })),
    extra: {
      conv: { filter: randomVariable<tf.Rank.R4>([3, 3, last, d], uniform(rng, bound)), bias: constantVariable(d, 0) },
      norm: buildGroupNorm(d),
    },
    levelEmbed: randomVariable<tf.Rank.R2>([channels.length + 1, d], normal(rng, 1)),
  };
}

/** Backbone maps (strides 8, 16, 32) → tokens of the L = maps + 1 levels. */
export function multiScaleTokens(neck: MultiScaleNeck, maps: readonly tf.Tensor4D[]): MultiScaleTokens {
  return tf.tidy(() => {
    if (maps.length !== neck.projections.length) throw new Error(`multiScaleTokens: expected ${neck.projections.length} maps, got ${maps.length}`);
    const projected = maps.map((m, l) => {
      const p = neck.projections[l]!;
      return groupNorm(p.norm, linear(p.proj, m) as tf.Tensor4D); // [B, H_l, W_l, D]
    });
    const lastMap = maps.at(-1)!;
    projected.push(groupNorm(neck.extra.norm, conv3x3(lastMap, neck.extra.conv, 2, 'linear'))); // [B, ⌈H/64⌉, ⌈W/64⌉, D]
    const [b = 0] = lastMap.shape;
    const d = neck.levelEmbed.shape[1];
    const levels = projected.map((m) => ({ height: m.shape[1], width: m.shape[2] }));
    const src = tf.concat(projected.map((m) => tf.reshape(m, [b, m.shape[1] * m.shape[2], d])), 1) as tf.Tensor3D; // [B, S, D]
    const pos = tf.concat(levels.map((lv, l) => {
      const sine = tf.reshape(sinePositionEncoding(tf.ones([b, lv.height, lv.width]) as tf.Tensor3D, d), [b, lv.height * lv.width, d]); // [B, H·W, D]
      return tf.add(sine, tf.reshape(tf.slice(neck.levelEmbed, [l, 0], [1, d]), [1, 1, d]));
    }), 1) as tf.Tensor3D; // [B, S, D]
    return { src, pos, levels };
  });
}

/** Each token's cell centre as (x, y) in [0, 1], the same on every level → [B, S, L, 2]. */
export function encoderReferencePoints(levels: readonly LevelShape[], batch: number): tf.Tensor4D {
  const s = levels.reduce((n, lv) => n + lv.height * lv.width, 0);
  const values = new Float32Array(s * levels.length * 2);
  let token = 0;
  for (const lv of levels) {
    for (let y = 0; y < lv.height; y++) {
      for (let x = 0; x < lv.width; x++, token++) {
        for (let l = 0; l < levels.length; l++) values.set([(x + 0.5) / lv.width, (y + 0.5) / lv.height], (token * levels.length + l) * 2);
      }
    }
  }
  return tf.tidy(() => tf.tile(tf.tensor4d(values, [1, s, levels.length, 2]), [batch, 1, 1, 1])); // [B, S, L, 2]
}

export function multiScaleNeckVariables(neck: MultiScaleNeck): tf.Variable[] {
  const gn = (n: GroupNorm) => [n.gamma, n.beta];
  return [
    ...neck.projections.flatMap((p) => [...linearVariables(p.proj), ...gn(p.norm)]),
    neck.extra.conv.filter, neck.extra.conv.bias, ...gn(neck.extra.norm),
    neck.levelEmbed,
  ];
}
