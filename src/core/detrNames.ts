// Stable, PyTorch-DETR-style names for every weight of the detector, and the safetensors export and
// import built on them. The names follow facebookresearch/detr's state_dict where our model has the
// same part (input_proj, transformer.encoder.layers.i.linear1, query_embed, class_embed,
// bbox_embed.layers.j) and say what the part is where it differs (the MobileNetV2 backbone, the
// separate q/k/v projections). The optimiser's moments use the same names (optimizerFile.ts); the
// tfjs form of the same tensors is tfjsWeights.ts.
//
// Tensors are stored in OUR layouts, exactly as trained; docs/pytorch.md maps them onto torch:
// - linear weights are [in, out]; torch's nn.Linear weight is [out, in] (transpose);
// - convolution filters are HWIO [kh, kw, in, out]; torch's Conv2d weight is OIHW (permute 3, 2, 0, 1);
// - depthwise filters are [3, 3, C, 1]; torch's Conv2d(groups=C) weight is [C, 1, 3, 3] (permute 2, 3, 0, 1);
// - LayerNorm gamma/beta are `weight`/`bias`; query_embed.weight is [Q, D] as nn.Embedding's.
// The key projections have no bias (torch's never gets a gradient: use zeros), and the first decoder
// layer has no self-attention and no norm1 (their torch counterparts: zero biases, unit norm; see
// transformer.ts).
import * as tf from '@tensorflow/tfjs';
import type { Attention } from './attention';
import type { DetrBackbone } from './backbone';
import type { DeformableAttention } from './deformableAttention';
import { detrVariables, type DeformableDetrModel, type DenseDetrModel, type DetrModel } from './detr';
import type { GroupNorm } from './multiScale';
import type { LayerNorm, Linear } from './layers';
import type { ConvWeights } from './mobilenetV2';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { WeightMap } from './weightMap';

/** One line per layout rule, stored in every exported file's metadata under `layout`. */
export const DETR_LAYOUT_NOTE =
  'linear weights [in, out] (torch nn.Linear: transpose); conv filters HWIO (torch OIHW: permute 3,2,0,1); ' +
  'depthwise filters [3, 3, C, 1] (torch [C, 1, 3, 3]: permute 2,3,0,1); no k_proj bias (torch: zeros)';

type Named = [string, tf.Variable];

const linearNamed = (prefix: string, l: Linear): Named[] =>
  l.bias === null ? [[`${prefix}.weight`, l.weight]] : [[`${prefix}.weight`, l.weight], [`${prefix}.bias`, l.bias]];
const convNamed = (prefix: string, c: ConvWeights): Named[] => [[`${prefix}.weight`, c.filter], [`${prefix}.bias`, c.bias]];
const normNamed = (prefix: string, n: LayerNorm | null): Named[] => (n === null ? [] : [[`${prefix}.weight`, n.gamma], [`${prefix}.bias`, n.beta]]);
const attnNamed = (prefix: string, a: Attention | null): Named[] =>
  a === null
    ? []
    : [
        ...linearNamed(`${prefix}.q_proj`, a.query),
        ...linearNamed(`${prefix}.k_proj`, a.key),
        ...linearNamed(`${prefix}.v_proj`, a.value),
        ...linearNamed(`${prefix}.out_proj`, a.out),
      ];

function backboneNamed(b: DetrBackbone): Named[] {
  return [
    ...convNamed('backbone.stem', b.stem),
    ...b.blocks.flatMap((block, i) => [
      ...(block.expand === null ? [] : convNamed(`backbone.blocks.${i}.expand`, block.expand)),
      ...convNamed(`backbone.blocks.${i}.depthwise`, block.depthwise),
      ...convNamed(`backbone.blocks.${i}.project`, block.project),
    ]),
    ...(b.head === null ? [] : convNamed('backbone.head', b.head)),
  ];
}

function transformerNamed(model: DenseDetrModel): Named[] {
  const t = model.transformer;
  return [
    ...t.encoder.flatMap((l, i) => {
      const p = `transformer.encoder.layers.${i}`;
      return [
        ...attnNamed(`${p}.self_attn`, l.selfAttn),
        ...normNamed(`${p}.norm1`, l.norm1),
        ...linearNamed(`${p}.linear1`, l.ffn.up),
        ...linearNamed(`${p}.linear2`, l.ffn.down),
        ...normNamed(`${p}.norm2`, l.norm2),
      ];
    }),
    ...normNamed('transformer.encoder.norm', t.encoderNorm),
    ...t.decoder.flatMap((l, i) => {
      const p = `transformer.decoder.layers.${i}`;
      return [
        ...attnNamed(`${p}.self_attn`, l.selfAttn),
        ...normNamed(`${p}.norm1`, l.norm1),
        ...attnNamed(`${p}.multihead_attn`, l.crossAttn),
        ...normNamed(`${p}.norm2`, l.norm2),
        ...linearNamed(`${p}.linear1`, l.ffn.up),
        ...linearNamed(`${p}.linear2`, l.ffn.down),
        ...normNamed(`${p}.norm3`, l.norm3),
      ];
    }),
    ...normNamed('transformer.decoder.norm', t.decoderNorm),
  ];
}

const msdaNamed = (prefix: string, a: DeformableAttention): Named[] => [
  ...linearNamed(`${prefix}.sampling_offsets`, a.samplingOffsets),
  ...linearNamed(`${prefix}.attention_weights`, a.attentionWeights),
  ...linearNamed(`${prefix}.value_proj`, a.value),
  ...linearNamed(`${prefix}.output_proj`, a.out),
];
const groupNormNamed = (prefix: string, n: GroupNorm): Named[] => [[`${prefix}.weight`, n.gamma], [`${prefix}.bias`, n.beta]];

/**
 * Deformable DETR's names (models/deformable_detr.py, deformable_transformer.py): input_proj.l.0 is the
 * level's convolution (1×1 as a linear layer [C, D]; the extra level's 3×3 HWIO), input_proj.l.1 its
 * GroupNorm; in a decoder layer norm1 follows the cross-attention and norm2 the self-attention.
 */
function deformableNamed(model: DeformableDetrModel): Named[] {
  const { neck, transformer: t } = model;
  const extra = neck.projections.length;
  return [
    ...neck.projections.flatMap((p, l) => [...linearNamed(`input_proj.${l}.0`, p.proj), ...groupNormNamed(`input_proj.${l}.1`, p.norm)]),
    ...convNamed(`input_proj.${extra}.0`, neck.extra.conv), ...groupNormNamed(`input_proj.${extra}.1`, neck.extra.norm),
    ['transformer.level_embed', neck.levelEmbed],
    ...t.encoder.flatMap((l, i) => {
      const p = `transformer.encoder.layers.${i}`;
      return [...msdaNamed(`${p}.self_attn`, l.selfAttn), ...normNamed(`${p}.norm1`, l.norm1), ...linearNamed(`${p}.linear1`, l.ffn.up), ...linearNamed(`${p}.linear2`, l.ffn.down), ...normNamed(`${p}.norm2`, l.norm2)];
    }),
    ...t.decoder.flatMap((l, i) => {
      const p = `transformer.decoder.layers.${i}`;
      return [
        ...msdaNamed(`${p}.cross_attn`, l.crossAttn), ...normNamed(`${p}.norm1`, l.norm2),
        ...attnNamed(`${p}.self_attn`, l.selfAttn), ...normNamed(`${p}.norm2`, l.norm1),
        ...linearNamed(`${p}.linear1`, l.ffn.up), ...linearNamed(`${p}.linear2`, l.ffn.down), ...normNamed(`${p}.norm3`, l.norm3),
      ];
    }),
    ...linearNamed('transformer.reference_points', t.referencePoints),
  ];
}

/**
 * Every variable of detrVariables(model), each once, with its name; backbone first, then in
 * detr's (or Deformable DETR's) module order. Throws if the model has a variable this naming does
 * not know (a new part).
 */
export function namedDetrVariables(model: DetrModel): Named[] {
  const named: Named[] = [
    ...backboneNamed(model.backbone),
    ...(model.kind === 'dense' ? [...linearNamed('input_proj', model.inputProj), ...transformerNamed(model)] : deformableNamed(model)),
    ['query_embed.weight', model.queryEmbed],
    ...linearNamed('class_embed', model.classHead),
    ...model.boxHead.layers.flatMap((l, i) => linearNamed(`bbox_embed.layers.${i}`, l)),
  ];
  const { backbone, rest } = detrVariables(model);
  const all = new Set([...backbone, ...rest]);
  const covered = new Set(named.map(([, v]) => v));
  if (covered.size !== named.length || all.size !== covered.size || ![...all].every((v) => covered.has(v))) {
    throw new Error(`namedDetrVariables: expected one name for each of the model's ${all.size} variables, named ${covered.size} of ${named.length} entries`);
  }
  return named;
}

/** What a reader needs to rebuild the model around the weights (all strings, as safetensors wants). */
export function detrMetadata(model: DetrModel): Record<string, string> {
  const t = model.transformer;
  const firstFfn = t.encoder[0]?.ffn ?? t.decoder[0]?.ffn;
  const deformable: Record<string, string> = model.kind === 'deformable'
    ? { attention: 'deformable', num_levels: String(model.transformer.decoder[0]?.crossAttn.numLevels ?? 0), num_points: String(model.transformer.decoder[0]?.crossAttn.numPoints ?? 0) }
    : { attention: 'dense' };
  return {
    format: 'simdetr-studio.detr',
    layout: DETR_LAYOUT_NOTE,
    ...deformable,
    num_classes: String(model.numClasses),
    num_queries: String(model.queryEmbed.shape[0]),
    d_model: String(model.kind === 'deformable' ? model.queryEmbed.shape[1] / 2 : model.queryEmbed.shape[1]),
    num_heads: String(t.decoder[0]?.crossAttn.numHeads ?? 0),
    num_encoder_layers: String(t.encoder.length),
    num_decoder_layers: String(t.decoder.length),
    dim_feedforward: String(firstFfn?.up.weight.shape[1] ?? 0),
    pre_norm: String(t.preNorm),
    backbone: 'mobilenet_v2_140_bn_folded',
    backbone_stride: String(model.backbone.stride),
    backbone_channels: String(model.backbone.channels),
    backbone_block_strides: model.backbone.blocks.map((b) => b.stride).join(','),
    input_scale: String(model.backbone.inputScale),
    input_shift: String(model.backbone.inputShift),
  };
}

/**
 * The model's weights as a safetensors file. `metadata` is stored alongside the model's own keys
 * (format, layout, sizes; those win on a clash). Reads with `await data()`: safe on WebGPU.
 */
export async function detrToSafetensors(model: DetrModel, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const named = namedDetrVariables(model);
  const values = await Promise.all(named.map(([, v]) => v.data<'float32'>()));
  const tensors = named.map(([name, v], i) => ({ name, shape: v.shape, data: values[i] ?? new Float32Array(0) }));
  return writeSafetensors(tensors, { ...metadata, ...detrMetadata(model) });
}

export interface LoadOptions {
  /**
   * Name prefixes left at the model's own init and ignored in the file, e.g. ['class_embed.'] to
   * fine-tune on labels with other classes than the pseudo-classes (the class head starts afresh).
   */
  readonly keepFresh?: readonly string[];
}

/**
 * Loads a file written by detrToSafetensors into a model of the same config. Every name and shape is
 * checked before anything is written, so a wrong file leaves the model as it was. Returns the metadata.
 */
export function loadDetrSafetensors(model: DetrModel, bytes: Uint8Array, options: LoadOptions = {}): Record<string, string> {
  const file = readSafetensors(bytes);
  loadDetrTensors(model, file.tensors, options);
  return file.metadata;
}

/** Tensors by name, from either weight file (safetensors or tfjs), into the model: all checked first. */
export function loadDetrTensors(model: DetrModel, tensors: WeightMap, options: LoadOptions = {}): void {
  const fresh = (name: string): boolean => (options.keepFresh ?? []).some((prefix) => name.startsWith(prefix));
  const named = namedDetrVariables(model).filter(([name]) => !fresh(name));
  const problems: string[] = [];
  for (const [name, v] of named) {
    const t = tensors.get(name);
    if (t === undefined) problems.push(`${name}: missing`);
    else if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      problems.push(`${name}: expected shape [${v.shape.join(', ')}], got [${t.shape.join(', ')}]`);
    }
  }
  const expected = new Set(named.map(([name]) => name));
  for (const name of tensors.keys()) if (!expected.has(name) && !fresh(name)) problems.push(`${name}: not a weight of this model`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ') + (problems.length > 10 ? `; … ${problems.length - 10} more` : '');
    throw new Error(`detr weights do not fit this model (${problems.length} problems): ${shown}`);
  }
  tf.tidy(() => {
    for (const [name, v] of named) {
      const t = tensors.get(name);
      if (t !== undefined) v.assign(tf.tensor(t.data, [...t.shape]));
    }
  });
}
