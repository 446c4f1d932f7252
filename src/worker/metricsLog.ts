// The run's step metrics, kept with its checkpoint so that an export after a reload still has the
// whole curve, and written into the zip as metrics.jsonl: one JSON object per step, the keys below.
// The log is bounded (MAX_METRICS steps; the oldest go first) so a long run's checkpoint stays small.

import * as v from 'valibot';
import type { StepReport } from './protocol';

export const METRICS_FILE = 'metrics.jsonl';
/** 20 000 steps × 10 numbers: about 1.6 MB in a checkpoint at most. */
export const MAX_METRICS = 20_000;

/** The log with `steps` appended, at most `cap` entries. Returns a new array; `log` is left as it was. */
export function appendMetrics(log: readonly StepReport[], steps: readonly StepReport[], cap = MAX_METRICS): StepReport[] {
  const all = [...log, ...steps];
  return all.length > cap ? all.slice(all.length - cap) : all;
}

/** Steps after `step` are dropped: a rolled-back or imported run's log ends where its weights are. */
export function metricsUpTo(log: readonly StepReport[], step: number): StepReport[] {
  return log.filter((m) => m.step <= step);
}

const num = v.pipe(v.number(), v.finite());
const LineSchema = v.object({
  step: v.pipe(v.number(), v.integer(), v.minValue(1)),
  round: v.pipe(v.number(), v.integer(), v.minValue(0)),
  loss: num,
  loss_class: num,
  loss_l1: num,
  loss_giou: num,
  lr: num,
  grad_norm: num,
  step_ms: num,
  match_ms: num,
});

export function metricsToJsonl(log: readonly StepReport[]): string {
  return log
    .map((m) =>
      JSON.stringify({
        step: m.step, round: m.round, loss: m.loss, loss_class: m.class, loss_l1: m.l1, loss_giou: m.giou,
        lr: m.lr, grad_norm: m.gradNorm, step_ms: m.stepMs, match_ms: m.matchMs,
      } satisfies v.InferOutput<typeof LineSchema>),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** metrics.jsonl back to reports; the error names the line and the field. */
export function parseMetricsJsonl(text: string, where = METRICS_FILE): StepReport[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length > MAX_METRICS) throw new Error(`${where}: expected at most ${MAX_METRICS} lines, got ${lines.length}`);
  return lines.map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: line ${i + 1}: expected JSON, ${err instanceof Error ? err.message : String(err)}`);
    }
    const parsed = v.safeParse(LineSchema, json);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      throw new Error(`${where}: line ${i + 1}: ${issue ? `${v.getDotPath(issue) ?? '(the line)'}: ${issue.message}` : 'invalid'}`);
    }
    const m = parsed.output;
    return {
      step: m.step, round: m.round, loss: m.loss, class: m.loss_class, l1: m.loss_l1, giou: m.loss_giou,
      lr: m.lr, gradNorm: m.grad_norm, stepMs: m.step_ms, matchMs: m.match_ms,
    };
  });
}
