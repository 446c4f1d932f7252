// The dataset's thumbnails in a virtualised grid: only the visible rows are in the DOM, so
// thousands of images scroll as smoothly as ten. Proposal boxes are drawn over the visible cells;
// with a pseudo-class picked, only the images holding it are shown.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { BlobImage } from '../components/BlobImage';
import { useStudio } from '../store';
import { ClusterFilterBar } from './proposals/ClusterFilterBar';
import { ThumbBoxes } from './proposals/ThumbBoxes';

const CELL = 120;
const GAP = 6;

export function ImageGrid() {
  const allImages = useStudio((s) => s.images);
  const cluster = useStudio((s) => s.selectedCluster);
  // Cluster ids belong to the last complete run, not to one still going.
  const byImage = useStudio((s) => s.proposals?.byImage);
  const images = useMemo(
    () => (cluster === null ? allImages : allImages.filter((im) => byImage?.[im.id]?.clusters.includes(cluster))),
    [allImages, byImage, cluster],
  );
  const thumbs = useStudio((s) => s.thumbs);
  const selectedId = useStudio((s) => s.selectedId);
  const select = useStudio((s) => s.selectImage);
  const scrollRef = useRef<HTMLDivElement>(null);
  const columns = useColumns(scrollRef);
  const rows = Math.ceil(images.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL + GAP,
    overscan: 4,
  });

  return (
    <section className="grid-panel" aria-label="Images">
      <ClusterFilterBar shown={images.length} />
      <div ref={scrollRef} className="grid-scroll" data-testid="image-grid" tabIndex={-1}>
        {allImages.length === 0 && <p className="empty">No images yet. Drop a folder here or try the demo dataset.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((row) => (
            <div
              key={row.key}
              className="grid-row"
              style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, ${CELL}px)` }}
            >
              {images.slice(row.index * columns, (row.index + 1) * columns).map((img) => (
                <button
                  key={img.id}
                  type="button"
                  className={`thumb ${img.id === selectedId ? 'selected' : ''}`}
                  aria-pressed={img.id === selectedId}
                  title={img.path}
                  onClick={() => select(img.id)}
                >
                  <BlobImage blob={thumbs[img.id]} alt={img.path} width={CELL} height={CELL} loading="lazy" />
                  <ThumbBoxes image={img} />
                </button>
              ))}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}

function useColumns(ref: React.RefObject<HTMLDivElement | null>): number {
  const [columns, setColumns] = useState(4);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      // Rows are padded by GAP on both sides and have GAP between cells.
      setColumns(Math.max(1, Math.floor((el.clientWidth - 3 * GAP) / (CELL + GAP))));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return columns;
}
