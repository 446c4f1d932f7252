// The augmentation as a person chooses it, in the pretraining and the downstream forms: flips,
// crops, both or neither. The crop scale comes from the config (a headless run's file, an imported
// run) and is kept across choices.

import { DEFAULT_AUGMENT, type AugmentConfig } from '../core/augment';

export type AugmentKind = 'flip-crop' | 'flip' | 'crop' | 'none';

export const AUGMENT_KINDS: readonly { value: AugmentKind; label: string }[] = [
  { value: 'flip-crop', label: 'flips and crops (DETR)' },
  { value: 'flip', label: 'flips' },
  { value: 'crop', label: 'crops' },
  { value: 'none', label: 'none' },
];

export function augmentKind(a: AugmentConfig): AugmentKind {
  const crop = a.cropMinScale < 1;
  return a.flip ? (crop ? 'flip-crop' : 'flip') : crop ? 'crop' : 'none';
}

/** The augmentation of a kind; a crop scale already set (e.g. by an imported run) is kept. */
export function withAugmentKind(a: AugmentConfig, kind: AugmentKind): AugmentConfig {
  const scale = a.cropMinScale < 1 ? a.cropMinScale : DEFAULT_AUGMENT.cropMinScale;
  const crop = kind === 'flip-crop' || kind === 'crop';
  return { flip: kind === 'flip-crop' || kind === 'flip', cropMinScale: crop ? scale : 1 };
}
