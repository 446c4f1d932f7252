// The augmentation field of the pretraining and downstream forms: a labelled select over the kinds,
// with what the chosen one does to each training image.

import { AUGMENT_KINDS, augmentKind, withAugmentKind, type AugmentConfig, type AugmentKind } from '../core/augment';

const LABELS: Record<AugmentKind, string> = { 'flip-crop': 'flips and crops (DETR)', flip: 'flips', crop: 'crops', none: 'none' };

interface Props {
  id: string;
  value: AugmentConfig;
  onChange: (value: AugmentConfig) => void;
}

export function AugmentSelect({ id, value, onChange }: Props) {
  const kind = augmentKind(value);
  const what = [value.flip && 'mirrored half the time', value.cropMinScale < 1 && `cropped to ${Math.round(value.cropMinScale * 100)}–100% of each side and zoomed back half the time`].filter(Boolean);
  return (
    <div className="field">
      <label htmlFor={id}>Augmentation</label>
      <select
        id={id}
        value={kind}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          const found = AUGMENT_KINDS.find((k) => k === e.currentTarget.value);
          if (found) onChange(withAugmentKind(value, found));
        }}
      >
        {AUGMENT_KINDS.map((k) => (
          <option key={k} value={k}>
            {LABELS[k]}
          </option>
        ))}
      </select>
      <small id={`${id}-help`}>
        {what.length > 0 ? `Each training image and its boxes are ${what.join(', and ')}, so the detector learns objects rather than exact pixels.` : 'Each step sees the images as they are.'}
      </small>
    </div>
  );
}
