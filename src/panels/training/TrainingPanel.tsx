// The Training tab: the losses of the run as they come in, and the targets of each round.

import { LossChart } from '../../components/LossChart';
import { useStudio } from '../../store';
import { RoundSummary } from './RoundSummary';

export function TrainingPanel() {
  const series = useStudio((s) => s.lossSeries);
  const stepsPerRound = useStudio((s) => s.trainingConfig.stepsPerRound);
  const started = useStudio((s) => s.training !== null);
  return (
    <section className="training-panel" aria-labelledby="training-chart-heading">
      <h2 id="training-chart-heading">Pretraining losses</h2>
      {!started && (
        <p className="hint">Run proposals, then start pretraining in the sidebar: the losses of every step are drawn here as it trains.</p>
      )}
      <LossChart series={series} stepsPerRound={stepsPerRound} />
      <RoundSummary />
    </section>
  );
}
