// After a reload or a crash: offers to continue the saved pretraining run from its checkpoint, and
// once resumed shows that the restored detector gives the saved loss on a fixed batch.

import { useStudio } from '../../store';
import { checkGoing } from '../../store/downstreamSlice';
import { isActive } from './runGate';

export function ResumeOffer() {
  const checkpoint = useStudio((s) => s.checkpoint);
  const running = useStudio((s) => isActive(s.training?.status));
  const checking = useStudio((s) => checkGoing(s.downstream));
  const check = useStudio((s) => s.resumeCheck);
  const resume = useStudio((s) => s.resumeFromCheckpoint);
  return (
    <>
      {checkpoint && !running && checkpoint.step < checkpoint.totalSteps && (
        <div className="resume-offer" data-testid="resume-offer" data-step={checkpoint.step}>
          <p>
            A {checkpoint.preset} pretraining run was saved at step {checkpoint.step} of {checkpoint.totalSteps} (
            {new Date(checkpoint.savedAt).toLocaleString()}).
          </p>
          <button type="button" onClick={resume} disabled={checking} title={checking ? 'The downstream check is running; resume once it ends.' : undefined}>
            Resume from step {checkpoint.step}
          </button>
        </div>
      )}
      {check && (
        <p className="hint" data-testid="resume-check" data-saved={check.savedProbeLoss.toFixed(5)} data-now={check.probeLoss.toFixed(5)} role="status">
          Resumed at step {check.step}: a fixed batch's loss is {check.probeLoss.toFixed(5)} (saved: {check.savedProbeLoss.toFixed(5)}).
        </p>
      )}
    </>
  );
}
