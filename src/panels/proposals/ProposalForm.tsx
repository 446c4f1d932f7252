// The editable part of the proposal config and the "Run proposals" button. The config is checked
// by validateProposalConfig before anything runs; its message is shown next to the form.

import { useId, useState, type FormEvent } from 'react';
import { DEFAULT_PROPOSAL_CONFIG, type ProposalConfig } from '../../core/proposalConfig';
import { configFromForm, fieldsNamedIn, FORM_FIELDS, formText, type FormField } from './configForm';

interface Props {
  config: ProposalConfig;
  /** Why the run cannot start now ('' when the reason shows elsewhere), or null when it can. */
  blockedBecause: string | null;
  onRun(config: ProposalConfig): void;
}

export function ProposalForm({ config, blockedBecause, onRun }: Props) {
  const [shown, setShown] = useState({ config, version: 0 });
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const invalid = error ? fieldsNamedIn(error) : new Set<FormField>();

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (blockedBecause) return;
    const data = new FormData(e.currentTarget);
    try {
      const next = configFromForm((f) => String(data.get(f) ?? ''), config);
      setError(null);
      onRun(next);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const resetToDefaults = () => {
    setShown((s) => ({ config: DEFAULT_PROPOSAL_CONFIG, version: s.version + 1 }));
    setError(null);
  };

  return (
    <form className="proposal-form" data-testid="proposal-config" aria-label="Proposal settings" noValidate onSubmit={onSubmit}>
      {/* Remounted on "Defaults", so the uncontrolled inputs take the shown values. */}
      <div className="fields" key={shown.version}>
        {FORM_FIELDS.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={`${id}-${f.name}`}>{f.label}</label>
            <input
              id={`${id}-${f.name}`}
              name={f.name}
              type="text"
              inputMode={f.inputMode}
              defaultValue={formText(shown.config, f.name)}
              title={f.help}
              aria-describedby={`${id}-${f.name}-help`}
              aria-invalid={invalid.has(f.name) || undefined}
              autoComplete="off"
              spellCheck={false}
            />
            <small id={`${id}-${f.name}-help`}>{f.help}</small>
          </div>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="proposal-config-error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={blockedBecause !== null}>
          Run proposals
        </button>
        <button type="button" onClick={resetToDefaults}>
          Defaults
        </button>
      </div>
      {blockedBecause && <p className="hint">{blockedBecause}</p>}
    </form>
  );
}
