// The proposals picked on the map: how many, and a look at them — their crop where the gallery
// has one, else their image's thumbnail. Each opens its image in the detail panel.

import { useMemo } from 'react';
import { BlobImage } from '../../components/BlobImage';
import { useStudio } from '../../store';
import { refKey } from './mapPoints';

const SHOWN = 24;

interface Tile {
  key: string;
  imageId: string;
  /** The proposal's crop (an object URL the proposals slice owns), or its image's thumbnail. */
  source: string | Blob | undefined;
  alt: string;
}

export function MapSelection() {
  const refs = useStudio((s) => s.selectedProposals);
  const gallery = useStudio((s) => s.proposals?.gallery);
  const thumbs = useStudio((s) => s.thumbs);
  const images = useStudio((s) => s.images);
  const selectProposals = useStudio((s) => s.selectProposals);
  const selectImage = useStudio((s) => s.selectImage);
  const tiles = useMemo(() => {
    const crops = new Map((gallery ?? []).flat().map((c) => [refKey(c), c.url]));
    const paths = new Map(images.map((im) => [im.id, im.path]));
    const out: Tile[] = [];
    const seenImages = new Set<string>();
    for (const r of refs) {
      const crop = crops.get(refKey(r));
      const path = paths.get(r.imageId) ?? 'image';
      if (crop) out.push({ key: refKey(r), imageId: r.imageId, source: crop, alt: `proposal ${r.index} of ${path}` });
      else if (!seenImages.has(r.imageId)) out.push({ key: r.imageId, imageId: r.imageId, source: thumbs[r.imageId], alt: path });
      seenImages.add(r.imageId);
      if (out.length === SHOWN) break;
    }
    return out;
  }, [refs, gallery, thumbs, images]);

  return (
    <div className="map-selection" data-testid="map-selection" data-selected={refs.length}>
      <p aria-live="polite">
        <strong>{refs.length} selected</strong>
        {refs.length > 0 && (
          <button type="button" className="link-button" onClick={() => selectProposals([])}>
            Clear selection
          </button>
        )}
      </p>
      {tiles.length > 0 && (
        <ul className="tiles" aria-label="Selected proposals">
          {tiles.map((t) => (
            <li key={t.key}>
              <button type="button" title={`Open ${t.alt}`} onClick={() => selectImage(t.imageId)}>
                {typeof t.source === 'string' ? (
                  <img src={t.source} alt={t.alt} width={56} height={56} />
                ) : (
                  <BlobImage blob={t.source} alt={t.alt} width={56} height={56} />
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      {tiles.length === SHOWN && refs.length > SHOWN && <p className="hint">The first {SHOWN} are shown.</p>}
    </div>
  );
}
