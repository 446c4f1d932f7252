// Stages 3–4 in the sidebar: where the run is, its buttons, its speed, and its settings.

import { useState } from 'react';
import { useStudio } from '../../store';
import { isActive } from './runGate';
import { TrainingActions } from './TrainingActions';
import { TrainingForm } from './TrainingForm';
import { TrainingStats } from './TrainingStats';
import { TrainingStatusLine } from './TrainingStatusLine';

export function TrainingControls() {
  const editable = useStudio((s) => !isActive(s.training?.status));
  // The form knows when its text is invalid; Start has to know it too.
  const [formInvalid, setFormInvalid] = useState(false);
  return (
    <section className="panel training-controls" aria-labelledby="training-heading">
      <h2 id="training-heading">Pretraining</h2>
      <TrainingStatusLine />
      <TrainingActions formInvalid={formInvalid} />
      <TrainingStats />
      <TrainingForm editable={editable} onValidity={(valid) => setFormInvalid(!valid)} />
    </section>
  );
}
