// The pretraining settings: a preset, the run's length and batch, the learning rate, where the
// backbone starts and the attention. Each edit is checked at once (see useTrainingDraft); a valid form is already in
// the store, so Start runs what is shown, and an invalid one says why. Locked while a run is going.

import { useId } from 'react';
import type { AttentionKind, BackboneInit, DetrPreset } from '../../core/detrConfig';
import { useStudio } from '../../store';
import { TEXT_FIELDS } from './trainingForm';
import type { TrainingDraft } from './useTrainingDraft';

interface Props {
  editable: boolean;
  draft: TrainingDraft;
}

const PRESETS: readonly { value: DetrPreset; label: string }[] = [
  { value: 'tiny', label: 'tiny (tests, a quick look)' },
  { value: 'laptop', label: 'laptop' },
  { value: 'paper', label: 'paper (slow in a browser)' },
];

const INITS: readonly { value: BackboneInit; label: string }[] = [
  { value: 'encoder', label: 'encoder (ImageNet weights)' },
  { value: 'scratch', label: 'scratch (random)' },
];

const ATTENTIONS: readonly { value: AttentionKind; label: string }[] = [
  { value: 'dense', label: 'dense (detr)' },
  { value: 'deformable', label: 'deformable (multi-scale)' },
];

/** The option whose value a select reported, narrowed to its type by finding it. */
function pick<T extends string>(options: readonly { value: T }[], value: string, then: (v: T) => void): void {
  const found = options.find((o) => o.value === value);
  if (found) then(found.value);
}

export function TrainingForm({ editable, draft }: Props) {
  const config = useStudio((s) => s.trainingConfig);
  const setConfig = useStudio((s) => s.setTrainingConfig);
  const id = useId();
  const { detr } = config;
  const { texts, problems, edit, choosePreset } = draft;
  const chooseInit = (init: BackboneInit) => setConfig({ ...config, detr: { ...detr, backbone: { ...detr.backbone, init } } });
  const chooseAttention = (attention: AttentionKind) => setConfig({ ...config, detr: { ...detr, transformer: { ...detr.transformer, attention } } });
  const messages = TEXT_FIELDS.flatMap((f) => problems[f.name] ?? []);
  const t = detr.transformer;

  return (
    <form className="config-form training-form" data-testid="training-config" aria-label="Pretraining settings" noValidate onSubmit={(e) => e.preventDefault()}>
      <fieldset className="fields" disabled={!editable}>
        <div className="field">
          <label htmlFor={`${id}-preset`}>Preset</label>
          <select id={`${id}-preset`} value={config.preset} aria-describedby={`${id}-preset-help`} onChange={(e) => pick(PRESETS, e.currentTarget.value, choosePreset)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
          <small id={`${id}-preset-help`}>
            {detr.imageSize} px · D {t.dModel} · {t.numEncoderLayers}+{t.numDecoderLayers} layers · {detr.numQueries} queries. A preset resets
            the fields below.
          </small>
        </div>
        {TEXT_FIELDS.map((f) => (
          <div className="field" key={f.name}>
            <label htmlFor={`${id}-${f.name}`}>{f.label}</label>
            <input
              id={`${id}-${f.name}`}
              type="text"
              inputMode={f.inputMode}
              value={texts[f.name]}
              onChange={(e) => edit(f.name, e.currentTarget.value)}
              aria-describedby={`${id}-${f.name}-help`}
              aria-invalid={problems[f.name] ? true : undefined}
              autoComplete="off"
              spellCheck={false}
            />
            <small id={`${id}-${f.name}-help`}>{f.help}</small>
          </div>
        ))}
        <div className="field">
          <label htmlFor={`${id}-init`}>Backbone init</label>
          <select id={`${id}-init`} value={detr.backbone.init} aria-describedby={`${id}-init-help`} onChange={(e) => pick(INITS, e.currentTarget.value, chooseInit)}>
            {INITS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <small id={`${id}-init-help`}>Where the trainable backbone starts; SimDETR also pretrains from scratch. The proposal encoder stays frozen.</small>
        </div>
        <div className="field">
          <label htmlFor={`${id}-attention`}>Attention</label>
          <select id={`${id}-attention`} value={t.attention} aria-describedby={`${id}-attention-help`} onChange={(e) => pick(ATTENTIONS, e.currentTarget.value, chooseAttention)}>
            {ATTENTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <small id={`${id}-attention-help`}>
            Deformable attention (as the paper&apos;s Deformable DETR) samples {t.numPoints} points per head on four scales instead of attending to every pixel.
          </small>
        </div>
      </fieldset>
      {messages.length > 0 && (
        <div className="form-error" role="alert" data-testid="training-config-error">
          {messages.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {!editable && <p className="hint">Settings and pins are fixed while a run is going.</p>}
    </form>
  );
}
