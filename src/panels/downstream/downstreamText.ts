// What the downstream panel says about a check: its plan in a line, and once both arms have
// their last evaluation, whether the pretraining helped.

import { formatMetric, type DownstreamArm, type DownstreamPoint, type DownstreamSettings } from '../../core/downstream';
import type { DownstreamPlan } from '../../worker/protocol';

export function planLine(p: DownstreamPlan): string {
  const w = p.pretrained;
  const from = !w ? '' : w.kind === 'checkpoint' ? `; pretrained = the checkpoint of step ${w.step} (round ${w.round})` : `; pretrained = ${w.name} (step ${w.step})`;
  const missing = p.missing.length > 0 ? `; ${p.missing.length} labeled images are not in the dataset and were left out` : '';
  return `${p.train.length} labeled images fine-tune, ${p.held.length} are held out, ${p.categories.length} classes, ` +
    `${p.preset} preset, ${p.settings.steps} steps of batch ${p.settings.batchSize}, seed ${p.settings.seed}${from}${missing}.`;
}

/** The comparison at the last step both arms reached; null until both have one there. */
export function verdict(curves: Record<DownstreamArm, DownstreamPoint[]>, tune: DownstreamSettings['tune']): string | null {
  const a = curves.pretrained.at(-1);
  const b = curves.none.find((p) => p.step === a?.step);
  if (!a || !b) return null;
  const f = formatMetric;
  const numbers = `AP50 ${f(a.ap50)} against ${f(b.ap50)}, AP ${f(a.ap)} against ${f(b.ap)}`;
  if (a.ap50 > b.ap50 && a.ap > b.ap) return `After ${a.step} steps the pretrained detector is ahead: ${numbers}.`;
  if (a.ap50 === b.ap50 && a.ap === b.ap) {
    const hint = tune === 'all' ? ' Fine-tuning the heads only keeps what each detector brings to the few labels.' : '';
    return `After ${a.step} steps the two detectors score the same (${numbers}): the labels are too few or the fine-tuning too short to tell them apart.${hint}`;
  }
  return `After ${a.step} steps the pretraining has not helped: ${numbers}.`;
}
