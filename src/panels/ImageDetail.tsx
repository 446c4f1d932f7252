// The selected image at its cached size with its boxes (proposals or a run's pseudo-labels, or the
// detector's predictions), the pin for live predictions, how its targets changed between rounds,
// and what is known about the file.

import { useState } from 'react';
import { formatBytes } from '../components/formatBytes';
import { useStudio } from '../store';
import type { ShowMode } from './training/detectionView';
import { DetailPreview } from './training/DetailPreview';
import { PinButton } from './training/PinButton';
import { RoundCompare } from './training/RoundCompare';
import { ShowToggle } from './training/ShowToggle';

export function ImageDetail() {
  const selectedId = useStudio((s) => s.selectedId);
  const image = useStudio((s) => s.images.find((i) => i.id === s.selectedId));
  const preview = useStudio((s) => s.preview);
  const hasBoxes = useStudio((s) => s.proposals !== null || s.live !== null || s.training !== null);
  // Kept across selections, so stepping through images keeps showing the same kind of boxes.
  const [mode, setMode] = useState<ShowMode>('pseudo');
  if (!selectedId || !image) return <p className="hint">Select an image to see it here.</p>;
  return (
    <section className="panel" data-testid="image-detail">
      <h2>Image</h2>
      {preview?.id === image.id ? <DetailPreview image={image} url={preview.url} mode={mode} /> : <p className="hint">Loading…</p>}
      {hasBoxes && (
        <div className="detection-controls">
          <ShowToggle value={mode} onChange={setMode} />
          <PinButton imageId={image.id} />
        </div>
      )}
      {preview?.id === image.id && <RoundCompare image={image} url={preview.url} />}
      <dl className="meta">
        <dt>File</dt>
        <dd className="path">
          <bdi>{image.path}</bdi>
        </dd>
        <dt>Original</dt>
        <dd>
          {image.width} × {image.height} {image.format.toUpperCase()}, {formatBytes(image.bytes)}
        </dd>
        <dt>Cached</dt>
        <dd>
          {image.storedWidth} × {image.storedHeight}
        </dd>
        <dt>Content hash</dt>
        <dd className="hash">{image.id.slice(0, 16)}…</dd>
      </dl>
    </section>
  );
}
