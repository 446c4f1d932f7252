// The Downstream tab: does the pretraining help a detector trained on a few labels? The person
// brings COCO labels for some of the dataset's images; the worker fine-tunes the pretrained detector
// (fresh class head) and the same detector not pretrained with the same schedule, and AP on the
// held-out images comes in as it is measured. The results can be saved as JSON.

import { useId, useState, type ChangeEvent } from 'react';
import { formatMetric, type DownstreamArm } from '../../core/downstream';
import { useStudio } from '../../store';
import { checkGoing } from '../../store/downstreamSlice';
import { AugmentSelect } from '../../components/AugmentSelect';
import { isActive } from '../training/runGate';
import { chooseSaveTarget, JSON_FILE, saveBytes } from '../training/saveBytes';
import { ARM_LABEL, DownstreamChart } from './DownstreamChart';
import { applyDownstreamTexts, DOWNSTREAM_FIELDS, downstreamTexts, type DownstreamTexts } from './downstreamForm';
import { planLine, verdict } from './downstreamText';

const ARMS: readonly DownstreamArm[] = ['pretrained', 'none'];

export function DownstreamPanel() {
  const settings = useStudio((s) => s.downstreamSettings);
  const setSettings = useStudio((s) => s.setDownstreamSettings);
  const check = useStudio((s) => s.downstream);
  const startError = useStudio((s) => s.downstreamError);
  const checkpoint = useStudio((s) => s.checkpoint);
  const initFile = useStudio((s) => s.downstreamInit);
  const setInitFile = useStudio((s) => s.setDownstreamInit);
  const training = useStudio((s) => isActive(s.training?.status));
  const imageCount = useStudio((s) => s.images.length);
  const run = useStudio((s) => s.runDownstream);
  const cancel = useStudio((s) => s.cancelDownstream);
  const reportError = useStudio((s) => s.reportError);
  const [labels, setLabels] = useState<File | null>(null);
  const [texts, setTexts] = useState<DownstreamTexts>(() => downstreamTexts(settings));
  const id = useId();

  const checked = applyDownstreamTexts(texts, settings);
  const going = checkGoing(check);
  const blocker = going ? null
    : imageCount === 0 ? 'Add the images the labels are for first.'
      : !checkpoint && !initFile ? 'There is no pretrained detector yet: pretrain first, or choose an exported run.'
        : training ? 'Pretraining is going: stop it or let it finish first.'
          : !labels ? 'Choose a COCO JSON file with labels for some of the images.'
            : checked.problems ? 'Fix the settings above first.' : null;

  const edit = (name: keyof DownstreamTexts, text: string) => {
    const next = { ...texts, [name]: text };
    setTexts(next);
    const r = applyDownstreamTexts(next, settings);
    if (r.settings) setSettings(r.settings);
  };

  const onLabels = (e: ChangeEvent<HTMLInputElement>) => setLabels(e.target.files?.[0] ?? null);

  const onSave = async () => {
    if (!check?.results || !check.plan) return;
    try {
      const name = `downstream-${check.plan.preset}-seed${check.plan.settings.seed}.json`;
      const target = await chooseSaveTarget(name, JSON_FILE);
      if (!target) return;
      const body = { format: 'simdetr-studio.downstream', labels: check.labels, plan: check.plan, arms: check.results };
      await saveBytes(target, new TextEncoder().encode(JSON.stringify(body, null, 2)), name, JSON_FILE);
    } catch (err) {
      reportError('downstream', err instanceof Error ? err.message : String(err));
    }
  };

  const said = check ? verdict(check.curves, check.plan?.settings.tune ?? settings.tune) : null;
  const steps = [...new Set(ARMS.flatMap((a) => check?.curves[a].map((p) => p.step) ?? []))].sort((a, b) => a - b);
  const cell = (a: DownstreamArm, step: number) => check?.curves[a].find((p) => p.step === step);
  const f = (v: number | undefined) => (v === undefined ? '…' : formatMetric(v));

  return (
    <section className="downstream-panel" aria-labelledby={`${id}-heading`} data-testid="downstream" data-status={check?.status ?? ''}>
      <h2 id={`${id}-heading`}>Downstream check</h2>
      <p className="hint">
        Fine-tune on a few labeled images, twice with the same schedule: from the pretrained detector (with a fresh class head) and from the same
        detector not pretrained. COCO AP on the images held out says whether the pretraining helped.
      </p>
      <form className="config-form downstream-form" aria-label="Downstream check settings" noValidate onSubmit={(e) => e.preventDefault()}>
        <fieldset className="fields" disabled={going}>
          <div className="field">
            <label htmlFor={`${id}-labels`}>Labels (COCO JSON)</label>
            <input id={`${id}-labels`} type="file" accept=".json,application/json" onChange={onLabels} data-testid="downstream-labels" />
            <small>Images are found by their path in the dataset, or by their file name.</small>
          </div>
          <div className="field">
            <label htmlFor={`${id}-init`}>Pretrained detector</label>
            <input
              // Remounted when the choice goes back to the checkpoint, so the input shows no file.
              key={initFile ? 'file' : 'checkpoint'}
              id={`${id}-init`}
              type="file"
              accept=".zip,.safetensors"
              onChange={(e) => setInitFile(e.target.files?.[0] ?? null)}
              aria-describedby={`${id}-init-help`}
              data-testid="downstream-init"
            />
            <small id={`${id}-init-help`}>
              {initFile
                ? `${initFile.name} (an exported run). `
                : checkpoint ? `The last checkpoint (step ${checkpoint.step}, ${checkpoint.preset}); or choose an exported run (.zip, .safetensors).` : 'Choose an exported run (.zip, .safetensors), or pretrain first.'}
              {initFile && checkpoint && (
                <button type="button" className="link-button" onClick={() => setInitFile(null)}>
                  Use the last checkpoint instead
                </button>
              )}
            </small>
          </div>
          <div className="field">
            <label htmlFor={`${id}-tune`}>Fine-tune</label>
            <select
              id={`${id}-tune`}
              value={settings.tune}
              onChange={(e) => setSettings({ ...settings, tune: e.currentTarget.value === 'heads' ? 'heads' : 'all' })}
              aria-describedby={`${id}-tune-help`}
            >
              <option value="all">all the weights</option>
              <option value="heads">the class and box heads only</option>
            </select>
            <small id={`${id}-tune-help`}>With very few labels, training only the heads keeps what the pretraining learned.</small>
          </div>
          <AugmentSelect id={`${id}-augment`} value={settings.augment} onChange={(augment) => setSettings({ ...settings, augment })} />
          {DOWNSTREAM_FIELDS.map((fld) => (
            <div className="field" key={fld.name}>
              <label htmlFor={`${id}-${fld.name}`}>{fld.label}</label>
              <input
                id={`${id}-${fld.name}`}
                type="text"
                inputMode="decimal"
                value={texts[fld.name]}
                onChange={(e) => edit(fld.name, e.currentTarget.value)}
                aria-describedby={`${id}-${fld.name}-help`}
                aria-invalid={checked.problems?.[fld.name] ? true : undefined}
                autoComplete="off"
                spellCheck={false}
              />
              <small id={`${id}-${fld.name}-help`}>{fld.help}</small>
            </div>
          ))}
        </fieldset>
        {checked.problems && (
          <div className="form-error" role="alert">
            {Object.values(checked.problems).map((m) => <p key={m}>{m}</p>)}
          </div>
        )}
        <div className="actions">
          {going ? (
            <button type="button" onClick={cancel}>Cancel check</button>
          ) : (
            <button type="button" disabled={blocker !== null} onClick={() => labels && run(labels, [...ARMS], null)}>
              Run check
            </button>
          )}
          {check?.status === 'done' && <button type="button" onClick={() => void onSave()}>Save results (.json)</button>}
        </div>
        {blocker && <p className="hint">{blocker}</p>}
        {startError && (
          <p className="form-error" role="alert" data-testid="downstream-error">
            {startError}
          </p>
        )}
      </form>

      {check && (
        <div className="downstream-result" aria-live="polite">
          <p role="status" data-testid="downstream-status">
            {check.status === 'preparing' && `Reading ${check.labels} and preparing the images…`}
            {check.status === 'running' && `Fine-tuning ${ARMS.map((a) => `${ARM_LABEL[a]}: ${check.curves[a].at(-1)?.step ?? 0}`).join(', ')} of ${check.plan?.settings.steps ?? '?'} steps…`}
            {check.status === 'done' && 'Done.'}
            {(check.status === 'failed' || check.status === 'cancelled') && `The check ${check.status}: ${check.message ?? ''}`}
          </p>
          {check.plan && <p className="note">{planLine(check.plan)}</p>}
          {said && <p className="verdict" data-testid="downstream-verdict">{said}</p>}
          {steps.length > 0 && (
            <>
              <DownstreamChart curves={check.curves} totalSteps={check.plan?.settings.steps ?? steps.at(-1) ?? 1} />
              <table className="downstream-table" data-testid="downstream-table">
                <caption className="visually-hidden">Held-out COCO metrics by fine-tuning step</caption>
                <thead>
                  <tr>
                    <th scope="col">step</th>
                    {ARMS.map((a) => <th scope="col" key={a} colSpan={3}>{ARM_LABEL[a]}: AP · AP50 · class-agnostic AP50</th>)}
                  </tr>
                </thead>
                <tbody>
                  {steps.map((step) => (
                    <tr key={step}>
                      <th scope="row">{step}</th>
                      {ARMS.flatMap((a) => {
                        const p = cell(a, step);
                        return [<td key={`${a}ap`}>{f(p?.ap)}</td>, <td key={`${a}ap50`}>{f(p?.ap50)}</td>, <td key={`${a}ag`}>{f(p?.agnosticAp50)}</td>];
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
    </section>
  );
}
