// The running proposal job: images done, speed and time left, then the clustering phase; cancel.

import { ProgressBar } from '../../components/ProgressBar';
import { useStudio } from '../../store';

export function ProposalProgress() {
  const run = useStudio((s) => s.proposalRun);
  const cancel = useStudio((s) => s.cancelProposals);
  // The clustering event carries no count, but every image's proposals arrived before it.
  const found = useStudio((s) => {
    let n = 0;
    for (const im of Object.values(s.live?.byImage ?? {})) n += im.scores.length;
    return n;
  });
  if (!run) return null;
  const { done, total, imagesPerSecond: ips } = run;
  const eta = ips > 0 ? Math.ceil((total - done) / ips) : null;
  return (
    <div className="proposal-progress" data-testid="proposal-progress">
      <p>
        {run.phase === 'clustering'
          ? `Clustering ${found} proposals…`
          : `Proposals: ${done} / ${total} · ${ips.toFixed(1)} images/s${eta === null ? '' : ` · about ${eta} s left`}`}
      </p>
      {run.phase === 'clustering' ? (
        <progress className="progress" aria-label="Clustering progress" />
      ) : (
        <ProgressBar value={done} max={total} label="Proposal progress" />
      )}
      <button type="button" aria-label="Cancel proposals" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}
