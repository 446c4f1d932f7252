// The selected image at its cached size with its proposals, and what is known about it.

import { useStudio } from '../store';
import { ProposalPreview } from './proposals/ProposalPreview';

export function ImageDetail() {
  const selectedId = useStudio((s) => s.selectedId);
  const image = useStudio((s) => s.images.find((i) => i.id === s.selectedId));
  const preview = useStudio((s) => s.preview);
  if (!selectedId || !image) return <p className="hint">Select an image to see it here.</p>;
  return (
    <section className="panel" data-testid="image-detail">
      <h2>Image</h2>
      {preview?.id === image.id ? (
        <ProposalPreview key={image.id} image={image} url={preview.url} />
      ) : (
        <p className="hint">Loading…</p>
      )}
      <dl className="meta">
        <dt>File</dt>
        <dd className="path">{image.path}</dd>
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

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
