// Stage 1–2 controls in the sidebar: the config form, the running job, the last run's summary.

import { useStudio } from '../../store';
import { ProposalForm } from './ProposalForm';
import { ProposalProgress } from './ProposalProgress';
import { ProposalSummary } from './ProposalSummary';

export function ProposalControls() {
  const config = useStudio((s) => s.proposalConfig);
  const run = useStudio((s) => s.runProposals);
  const blockedBecause = useStudio((s) =>
    s.proposalRun
      ? ''
      : s.ingest
        ? 'Images are being added; run once they are in.'
        : s.training && ['preparing', 'running', 'paused', 'predicting'].includes(s.training.status)
          ? 'Pretraining is running; stop it to re-run the proposals.'
        : s.backendStatus === 'failed'
          ? 'No compute backend could start.'
          : s.images.length === 0
            ? 'Add images first.'
            : null,
  );
  return (
    <section className="panel proposals-panel" aria-labelledby="proposals-heading">
      <h2 id="proposals-heading">Proposals and pseudo-classes</h2>
      <ProposalProgress />
      <ProposalSummary />
      {/* Keyed by the config, so a config loaded from the cache or just run shows in the inputs. */}
      <ProposalForm key={JSON.stringify(config)} config={config} blockedBecause={blockedBecause} onRun={run} />
    </section>
  );
}
