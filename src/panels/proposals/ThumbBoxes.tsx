// Small proposal boxes over one grid thumbnail. Each cell reads its own image's proposals, so a
// streaming run redraws only the cells whose image just got them.

import { BoxOverlay } from '../../components/BoxOverlay';
import { useStudio } from '../../store';
import type { ImageMeta } from '../../worker/protocol';

export function ThumbBoxes({ image }: { image: ImageMeta }) {
  const proposals = useStudio((s) => (s.live ?? s.proposals)?.byImage[image.id]);
  const focus = useStudio((s) => s.selectedCluster);
  if (!proposals || proposals.scores.length === 0) return null;
  return (
    <BoxOverlay
      proposals={proposals}
      imageWidth={image.storedWidth}
      imageHeight={image.storedHeight}
      // The thumbnail is shown with object-fit: cover.
      fit="cover"
      focusCluster={focus}
      lineWidth={1}
      solid
      className="thumb-boxes"
    />
  );
}
