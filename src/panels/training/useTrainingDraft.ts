// The pretraining form's text as typed and its problems, next to the config they were checked
// against. Only valid text reaches the store. When someone else replaces the edited fields (a
// preset, or a config restored from elsewhere) the form shows the new values instead of stale text.

import { useState } from 'react';
import type { DetrPreset } from '../../core/detrConfig';
import { useStudio } from '../../store';
import type { TrainingConfig } from '../../worker/protocol';
import { applyTexts, textsOf, type FormTexts, type Problems, type TextField } from './trainingForm';

interface Draft {
  /** The store's config when the text was last checked or written. */
  basis: TrainingConfig;
  texts: FormTexts;
  problems: Problems;
}

const fresh = (config: TrainingConfig): Draft => ({ basis: config, texts: textsOf(config), problems: {} });

/** Whether the fields the form edits are equal (pins and other fields may differ). */
function sameFields(a: TrainingConfig, b: TrainingConfig): boolean {
  const [x, y] = [textsOf(a), textsOf(b)];
  return (Object.keys(x) as TextField[]).every((f) => x[f] === y[f]);
}

export interface TrainingDraft {
  texts: FormTexts;
  problems: Problems;
  invalid: boolean;
  edit(field: TextField, text: string): void;
  choosePreset(preset: DetrPreset): void;
}

export function useTrainingDraft(): TrainingDraft {
  const config = useStudio((s) => s.trainingConfig);
  const setConfig = useStudio((s) => s.setTrainingConfig);
  // Not called usePreset here: it is a store action, not a hook.
  const applyPreset = useStudio((s) => s.usePreset);
  const [draft, setDraft] = useState(() => fresh(config));
  let current = draft;
  if (!sameFields(config, draft.basis)) {
    // React's pattern for state derived from a changed input: set it during render, not in an effect.
    current = fresh(config);
    setDraft(current);
  }

  const edit = (field: TextField, text: string) => {
    const texts = { ...current.texts, [field]: text };
    const base = useStudio.getState().trainingConfig;
    const result = applyTexts(base, texts);
    if (result.config) setConfig(result.config);
    setDraft({ basis: result.config ?? base, texts, problems: result.problems });
  };
  const choosePreset = (preset: DetrPreset) => {
    applyPreset(preset);
    setDraft(fresh(useStudio.getState().trainingConfig));
  };
  return { texts: current.texts, problems: current.problems, invalid: Object.keys(current.problems).length > 0, edit, choosePreset };
}
