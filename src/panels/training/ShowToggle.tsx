// Which boxes the image detail draws: the targets the detector learns from, or what it predicts.

import { useId } from 'react';
import type { ShowMode } from './detectionView';

const OPTIONS: readonly { value: ShowMode; label: string }[] = [
  { value: 'pseudo', label: 'Pseudo-labels' },
  { value: 'predictions', label: 'Predictions' },
];

export function ShowToggle({ value, onChange }: { value: ShowMode; onChange(mode: ShowMode): void }) {
  const id = useId();
  return (
    <div className="show-toggle" role="radiogroup" aria-labelledby={`${id}-label`}>
      <span id={`${id}-label`} className="show-label">
        Show
      </span>
      {OPTIONS.map((o) => (
        <label key={o.value}>
          <input type="radio" name={`${id}-show`} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} /> {o.label}
        </label>
      ))}
    </div>
  );
}
