// The selected image with a run's boxes: the newest round's targets, or the latest predictions of
// a pinned image with their scores. Hover or the arrow keys tell a box's class (and score).

import { useMemo, useState } from 'react';
import { BoxOverlay, type BoxHit } from '../../components/BoxOverlay';
import { useStudio } from '../../store';
import type { ImageMeta } from '../../worker/protocol';
import { asOverlayBoxes, describeDetection, latestRound, roundName, type ShowMode } from './detectionView';

interface Props {
  image: ImageMeta;
  url: string;
  mode: ShowMode;
}

export function DetectionPreview({ image, url, mode }: Props) {
  const round = useStudio((s) => latestRound(s.roundTargets));
  const targets = useStudio((s) => (round === null ? undefined : s.roundTargets[round]?.[image.id]));
  const predictions = useStudio((s) => s.predictions);
  const pinned = useStudio((s) => s.trainingConfig.pinned.includes(image.id));
  const [hit, setHit] = useState<BoxHit | null>(null);
  const isPrediction = mode === 'predictions';
  const found = isPrediction ? predictions?.byImage[image.id] : targets;
  const boxes = useMemo(() => found && asOverlayBoxes(found), [found]);
  const count = found?.scores.length ?? 0;
  const noun = isPrediction ? (count === 1 ? 'prediction' : 'predictions') : count === 1 ? 'pseudo-label' : 'pseudo-labels';
  const tooltip = hit && found ? describeDetection(found, hit.index, isPrediction) : null;

  let caption: string;
  if (found && isPrediction && predictions) {
    caption = `${count} ${noun} at step ${predictions.step}, round ${predictions.round}${count === 0 ? ': none is confident yet' : ''}`;
  }
  else if (found && round !== null) caption = `${count} ${noun} · ${roundName(round)}`;
  else if (!isPrediction) caption = 'No pseudo-labels for this image in this run.';
  else if (pinned) caption = 'No predictions yet: they arrive every few seconds while a run trains.';
  else caption = 'No predictions for this image: pin it, then start pretraining.';

  return (
    <>
      <div className="preview-wrap">
        <img className="preview" src={url} alt={image.path} width={image.storedWidth} height={image.storedHeight} />
        {boxes && (
          <BoxOverlay
            proposals={boxes}
            imageWidth={image.storedWidth}
            imageHeight={image.storedHeight}
            fit="fill"
            active={hit?.index ?? null}
            testId={isPrediction ? 'prediction-overlay' : 'target-overlay'}
            label={`${count} ${noun} on this image; arrow keys step through them`}
            onHover={setHit}
          />
        )}
        {hit && tooltip && (
          <div className="box-tooltip" role="status" data-testid="detection-tooltip" style={{ left: hit.left, top: hit.top }}>
            {tooltip}
          </div>
        )}
      </div>
      <p className="hint detection-caption" data-testid={isPrediction ? 'prediction-count' : 'target-count'}>
        {caption}
      </p>
    </>
  );
}
