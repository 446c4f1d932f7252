// Pins the selected image for live predictions. Pins travel with the run's config when it starts,
// so they are fixed while a run is going, like the other settings.

import { useId } from 'react';
import { useStudio } from '../../store';
import { isActive } from './runGate';

export function PinButton({ imageId }: { imageId: string }) {
  const pinned = useStudio((s) => s.trainingConfig.pinned.includes(imageId));
  const count = useStudio((s) => s.trainingConfig.pinned.length);
  const locked = useStudio((s) => isActive(s.training?.status));
  const toggle = useStudio((s) => s.togglePinned);
  const hintId = useId();
  const hint = locked
    ? `Pins are fixed while a run is going (${count} pinned).`
    : pinned
      ? `Pinned${count > 1 ? ` with ${count - 1} other ${count === 2 ? 'image' : 'images'}` : ''}: predictions every few seconds while training.`
      : "Pinned images get the detector's predictions every few seconds while it trains.";
  return (
    <div className="pin-row">
      <button type="button" data-testid="pin-button" data-pinned={pinned} disabled={locked} aria-describedby={hintId} onClick={() => toggle(imageId)}>
        {pinned ? 'Unpin' : 'Pin for live predictions'}
      </button>
      <small id={hintId} className="hint">
        {hint}
      </small>
    </div>
  );
}
