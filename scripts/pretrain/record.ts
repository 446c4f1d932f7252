// run.json: what a run was asked to do, on what, how far it got and why it stopped. It is rewritten
// after every stage, so a run that fails or is killed still says where it was; --resume reads its
// plan back from here (checked, since the file is on disk and may have been edited).

import { existsSync, readFileSync } from 'node:fs';
import type { CocoImage } from '../../src/core/cocoFormat';
import type { SkippedFile } from '../../src/worker/protocol';
import { OUTPUT_FILES, outPath, writeJsonAtomic } from './outputs';
import type { RunPlan } from './plan';

export type RunStatus = 'running' | 'done' | 'failed' | 'interrupted';
export type Stage = 'options' | 'images' | 'build' | 'browser' | 'ingest' | 'proposals' | 'training' | 'predictions';

export interface RunRecord {
  format: 'simdetr-studio.pretrain-run';
  status: RunStatus;
  /** The stage that failed or was interrupted, and why. */
  failedStage: Stage | null;
  error: string | null;
  command: string[];
  plan: RunPlan;
  /** Port of the local server: the studio's storage belongs to this origin, so a resume keeps it. */
  port: number;
  backend: { requested: string; used: string | null; adapter: unknown; fallbackReasons: string[] };
  versions: Record<string, string>;
  browser: { executable: string; args: string[] } | null;
  /** The images of the run as the COCO files number them (sizes in original pixels). */
  dataset: { added: number; skipped: number; images: CocoImage[] } | null;
  skipped: SkippedFile[];
  proposals: { count: number; K: number; note: string | null } | null;
  /** Seconds per stage, summed over every session of the run. */
  timings: Partial<Record<Stage | 'total', number>>;
  sessions: { startedAt: string; endedAt: string | null; resumedFromStep: number | null; status: RunStatus }[];
  /** The last checkpoint saved (in the browser profile): where --resume continues. */
  checkpoint: { step: number; round: number } | null;
  final: { step: number; round: number; K: number; predictions: number } | null;
  outputs: string[];
}

export class RunLog {
  constructor(readonly out: string, readonly record: RunRecord) {}

  save(): void {
    writeJsonAtomic(outPath(this.out, OUTPUT_FILES.run), this.record);
  }

  addTime(stage: Stage | 'total', seconds: number): void {
    this.record.timings[stage] = (this.record.timings[stage] ?? 0) + seconds;
  }

  output(name: string): void {
    if (!this.record.outputs.includes(name)) this.record.outputs.push(name);
  }

  finish(status: RunStatus, failure: { stage: Stage; message: string } | null = null): void {
    this.record.status = status;
    this.record.failedStage = failure?.stage ?? null;
    this.record.error = failure?.message ?? null;
    const session = this.record.sessions.at(-1);
    if (session) Object.assign(session, { endedAt: new Date().toISOString(), status });
    this.save();
  }
}

/** The run in <out>, for --resume: narrowed from unknown to the fields a resume relies on. */
export function readRecord(out: string): RunRecord {
  const path = outPath(out, OUTPUT_FILES.run);
  if (!existsSync(path)) throw new Error(`--resume ${out}: there is no run.json in it, so no run to continue`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--resume ${out}: run.json is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const r = json as Partial<RunRecord> | null;
  const plan = r?.plan as Partial<RunPlan> | undefined;
  const ok =
    typeof r === 'object' && r !== null && r.format === 'simdetr-studio.pretrain-run' && typeof r.port === 'number' &&
    typeof plan === 'object' && plan !== null && typeof plan.source === 'object' && typeof plan.training === 'object' &&
    typeof plan.proposals === 'object' && typeof plan.predictions === 'object' && typeof plan.cacheSize === 'number' && typeof plan.backend === 'string';
  if (!ok) throw new Error(`--resume ${out}: run.json is not a pretrain run record (expected format "simdetr-studio.pretrain-run" with plan and port)`);
  return json as RunRecord;
}
