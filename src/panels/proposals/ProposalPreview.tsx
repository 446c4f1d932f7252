// The selected image at its cached size with its proposals drawn over it; hovering a box (or
// stepping through them with the arrow keys) tells its score and pseudo-class.

import { useMemo, useState } from 'react';
import { BoxOverlay, type BoxHit } from '../../components/BoxOverlay';
import { useStudio } from '../../store';
import type { ImageMeta, ImageProposals } from '../../worker/protocol';

interface Props {
  image: ImageMeta;
  url: string;
}

export function ProposalPreview({ image, url }: Props) {
  const view = useStudio((s) => s.live ?? s.proposals);
  const running = useStudio((s) => s.live !== null);
  const selected = useStudio((s) => s.selectedProposals);
  const [show, setShow] = useState(true);
  const [hit, setHit] = useState<BoxHit | null>(null);
  const proposals = view?.byImage[image.id];
  const emphasised = useMemo(
    () => new Set(selected.filter((r) => r.imageId === image.id).map((r) => r.index)),
    [selected, image.id],
  );
  const count = proposals?.scores.length ?? 0;
  const tooltip = hit && proposals ? describeBox(proposals, hit.index) : null;

  return (
    <>
      <div className="preview-wrap">
        <img className="preview" src={url} alt={image.path} width={image.storedWidth} height={image.storedHeight} />
        {proposals && show && (
          <BoxOverlay
            proposals={proposals}
            imageWidth={image.storedWidth}
            imageHeight={image.storedHeight}
            fit="fill"
            emphasised={emphasised}
            active={hit?.index ?? null}
            testId="proposal-overlay"
            label={`${count} ${count === 1 ? 'proposal' : 'proposals'} on this image; arrow keys step through them`}
            onHover={setHit}
          />
        )}
        {show && hit && tooltip && (
          <div className="box-tooltip" role="status" data-testid="proposal-tooltip" style={{ left: hit.left, top: hit.top }}>
            {tooltip}
          </div>
        )}
      </div>
      {view && (
        <div className="preview-controls">
          <label>
            <input type="checkbox" checked={show} onChange={(e) => setShow(e.currentTarget.checked)} /> Show proposals
          </label>
          <span className="hint" data-testid="proposal-count">
            {proposals
              ? `${count} ${count === 1 ? 'proposal' : 'proposals'}${running ? ' (run in progress)' : ''}`
              : running
                ? 'Not reached yet by the running job'
                : 'No proposals: added after the last run'}
          </span>
        </div>
      )}
    </>
  );
}

function describeBox(p: ImageProposals, index: number): string | null {
  const score = p.scores[index];
  const cluster = p.clusters[index] ?? -1;
  if (score === undefined) return null;
  return `score ${score.toFixed(2)} · ${cluster < 0 ? 'not clustered yet' : `cluster ${cluster}`}`;
}
