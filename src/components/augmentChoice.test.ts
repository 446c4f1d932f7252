import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT, NO_AUGMENT } from '../core/augment';
import { DEFAULT_DOWNSTREAM } from '../core/downstream';
import { defaultTrainingConfig } from '../store/trainingSlice';
import { AUGMENT_KINDS, augmentKind, withAugmentKind } from './augmentChoice';

describe('augmentation choice', () => {
  it('starts with DETR\'s flips and crops, and each kind reads back as itself', () => {
    expect(defaultTrainingConfig('tiny').augment).toEqual(DEFAULT_AUGMENT);
    expect(DEFAULT_DOWNSTREAM.augment).toEqual(DEFAULT_AUGMENT);
    expect(augmentKind(DEFAULT_AUGMENT)).toBe('flip-crop');
    expect(augmentKind(NO_AUGMENT)).toBe('none');
    for (const { value } of AUGMENT_KINDS) expect(augmentKind(withAugmentKind(DEFAULT_AUGMENT, value))).toBe(value);
  });

  it('keeps a crop scale already set, and gives the default one when crops come back', () => {
    const imported = { flip: false, cropMinScale: 0.3 };
    expect(withAugmentKind(imported, 'flip-crop')).toEqual({ flip: true, cropMinScale: 0.3 });
    expect(withAugmentKind(withAugmentKind(imported, 'flip'), 'crop')).toEqual({ flip: false, cropMinScale: DEFAULT_AUGMENT.cropMinScale });
  });
});
