// One small image with one round's targets, for the round comparison.

import { useMemo } from 'react';
import { BoxOverlay } from '../../components/BoxOverlay';
import type { ImageDetections, ImageMeta } from '../../worker/protocol';
import { asOverlayBoxes } from './detectionView';

interface Props {
  image: ImageMeta;
  url: string;
  targets: ImageDetections;
  caption: string;
}

export function RoundFigure({ image, url, targets, caption }: Props) {
  const boxes = useMemo(() => asOverlayBoxes(targets), [targets]);
  const count = targets.scores.length;
  const counted = `${count} ${count === 1 ? 'box' : 'boxes'}`;
  return (
    <figure className="round-figure">
      <div className="preview-wrap">
        <img className="round-image" src={url} alt={`${caption}: ${counted}`} width={image.storedWidth} height={image.storedHeight} />
        <BoxOverlay proposals={boxes} imageWidth={image.storedWidth} imageHeight={image.storedHeight} fit="fill" lineWidth={1} solid />
      </div>
      <figcaption>
        {caption} · {counted}
      </figcaption>
    </figure>
  );
}
