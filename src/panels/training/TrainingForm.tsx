// The pretraining settings: a preset, the run's length and batch, the learning rate, where the
// backbone starts, the attention and the augmentation. Each edit is checked at once (see
// useTrainingDraft); a valid form is already in the store, so Start runs what is shown, and an
// invalid one says why. Locked while a run is going.

import { useId } from 'react';
import type { AttentionKind, BackboneInit, DetrPreset } from '../../core/detrConfig';
import { useStudio } from '../../store';
import { AugmentSelect } from '../../components/AugmentSelect';
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

interface SelectFieldProps<T extends string> {
  id: string;
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChoose: (value: T) => void;
  help: React.ReactNode;
}

/** A labelled select over typed options, with its help text. */
function SelectField<T extends string>({ id, label, options, value, onChoose, help }: SelectFieldProps<T>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        aria-describedby={`${id}-help`}
        // The option whose value the select reported, narrowed to its type by finding it.
        onChange={(e) => {
          const found = options.find((o) => o.value === e.currentTarget.value);
          if (found) onChoose(found.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <small id={`${id}-help`}>{help}</small>
    </div>
  );
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
        <SelectField
          id={`${id}-preset`}
          label="Preset"
          options={PRESETS}
          value={config.preset}
          onChoose={choosePreset}
          help={`${detr.imageSize} px · D ${t.dModel} · ${t.numEncoderLayers}+${t.numDecoderLayers} layers · ${detr.numQueries} queries. A preset resets the fields below.`}
        />
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
        <SelectField
          id={`${id}-init`}
          label="Backbone init"
          options={INITS}
          value={detr.backbone.init}
          onChoose={chooseInit}
          help="Where the trainable backbone starts; SimDETR also pretrains from scratch. The proposal encoder stays frozen."
        />
        <SelectField
          id={`${id}-attention`}
          label="Attention"
          options={ATTENTIONS}
          value={t.attention}
          onChoose={chooseAttention}
          help={`Deformable attention (as the paper's Deformable DETR) samples ${t.numPoints} points per head on four scales instead of attending to every pixel.`}
        />
        <AugmentSelect id={`${id}-augment`} value={config.augment} onChange={(augment) => setConfig({ ...config, augment })} />
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
