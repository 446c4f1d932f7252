// Round 0's targets (the proposals) next to round 1's (the detector's own predictions) on the
// selected image: what self-training changed. Shown once both rounds have targets for it.

import { useStudio } from '../../store';
import type { ImageMeta } from '../../worker/protocol';
import { roundName } from './detectionView';
import { RoundFigure } from './RoundFigure';

export function RoundCompare({ image, url }: { image: ImageMeta; url: string }) {
  const first = useStudio((s) => s.roundTargets[0]?.[image.id]);
  const second = useStudio((s) => s.roundTargets[1]?.[image.id]);
  if (!first || !second) return null;
  return (
    <section className="round-compare" data-testid="round-compare" aria-labelledby="round-compare-heading">
      <h3 id="round-compare-heading">Targets by round</h3>
      <div className="round-pair">
        <RoundFigure image={image} url={url} targets={first} caption={roundName(0)} />
        <RoundFigure image={image} url={url} targets={second} caption={roundName(1)} />
      </div>
    </section>
  );
}
