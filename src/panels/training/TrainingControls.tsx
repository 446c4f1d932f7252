// Stages 3–4 in the sidebar: where the run is, its buttons, its speed, and its settings.

import { useStudio } from '../../store';
import { isActive } from './runGate';
import { RecoveryNotice } from './RecoveryNotice';
import { ResumeOffer } from './ResumeOffer';
import { RunTransfer } from './RunTransfer';
import { TrainingActions } from './TrainingActions';
import { TrainingForm } from './TrainingForm';
import { TrainingStats } from './TrainingStats';
import { TrainingStatusLine } from './TrainingStatusLine';
import { useTrainingDraft } from './useTrainingDraft';

export function TrainingControls() {
  const editable = useStudio((s) => !isActive(s.training?.status));
  // Held here, not in the form: Start has to know when the form's text is invalid.
  const draft = useTrainingDraft();
  return (
    <section className="panel training-controls" aria-labelledby="training-heading">
      <h2 id="training-heading">Pretraining</h2>
      <TrainingStatusLine />
      <RecoveryNotice />
      <ResumeOffer />
      <TrainingActions formInvalid={draft.invalid} />
      <TrainingStats />
      <RunTransfer />
      <TrainingForm editable={editable} draft={draft} />
    </section>
  );
}
