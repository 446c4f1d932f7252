// What the last complete proposal run gave, what it says to the person, and why the last run
// did not finish when it did not.

import { useStudio } from '../../store';

export function ProposalSummary() {
  const view = useStudio((s) => (s.proposalRun ? null : s.proposals));
  const message = useStudio((s) => s.proposalMessage);
  const result = view?.result;
  let proposals = 0;
  let images = 0;
  for (const im of Object.values(view?.byImage ?? {})) {
    proposals += im.scores.length;
    images += 1;
  }
  return (
    <>
      {message && (
        <p className="warning" role="status" data-testid="proposal-message">
          {message}
        </p>
      )}
      {result && (
        <div className="proposal-result">
          <p data-testid="proposal-summary" data-proposals={proposals} data-images={images} data-k={result.K}>
            {proposals} proposals on {images} {images === 1 ? 'image' : 'images'} · {result.K} pseudo-classes ·{' '}
            {result.seconds.toFixed(1)} s
          </p>
          {result.note && (
            <p className="note" data-testid="proposal-note">
              {result.note}
            </p>
          )}
        </div>
      )}
    </>
  );
}
