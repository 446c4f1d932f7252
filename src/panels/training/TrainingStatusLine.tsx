// Where the run is: round, step and status as text and a bar. The line itself updates a few times
// a second, so it is not a live region; screen readers hear only status changes, from a hidden one.

import { ProgressBar } from '../../components/ProgressBar';
import { useStudio } from '../../store';
import { statusText } from './trainingText';

export function TrainingStatusLine() {
  const training = useStudio((s) => s.training);
  const rounds = useStudio((s) => s.trainingConfig.extraRounds + 1);
  const stepsPerRound = useStudio((s) => s.trainingConfig.stepsPerRound);
  const status = training?.status ?? 'idle';
  return (
    <div className="training-status">
      <p
        data-testid="training-status"
        data-status={status}
        data-step={training?.step ?? 0}
        data-round={training?.round ?? 0}
        className={status === 'failed' ? 'error' : undefined}
      >
        {statusText(training, rounds, stepsPerRound)}
      </p>
      {training && <ProgressBar value={training.step} max={training.totalSteps || rounds * stepsPerRound} label="Pretraining progress" />}
      <p className="visually-hidden" role="status">
        {training ? `Pretraining ${training.status}${training.message ? `: ${training.message}` : ''}` : ''}
      </p>
    </div>
  );
}
