// Targets per round under the loss chart: how many boxes each round learns from, and a note when a
// self-training round is left with few (roundSummary.ts).

import { useMemo } from 'react';
import { useStudio } from '../../store';
import { roundName } from './detectionView';
import { perImage, roundCounts, thinRoundNote } from './roundSummary';

export function RoundSummary() {
  const roundTargets = useStudio((s) => s.roundTargets);
  const counts = useMemo(() => roundCounts(roundTargets), [roundTargets]);
  if (counts.length === 0) return null;
  const note = thinRoundNote(counts);
  return (
    <section className="round-summary" data-testid="round-summary" aria-labelledby="round-summary-heading">
      <h3 id="round-summary-heading">Targets per round</h3>
      <table>
        <thead>
          <tr><th scope="col">Round</th><th scope="col">Boxes</th><th scope="col">Per image</th><th scope="col">Images with none</th></tr>
        </thead>
        <tbody>
          {counts.map((c) => (
            <tr key={c.round} data-round={c.round} data-boxes={c.boxes}>
              <th scope="row">{roundName(c.round)}</th>
              <td>{c.boxes}</td>
              <td>{perImage(c).toFixed(1)}</td>
              <td>{c.empty} of {c.images}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {note && <p className="warning" role="status" data-testid="thin-round">{note}</p>}
    </section>
  );
}
