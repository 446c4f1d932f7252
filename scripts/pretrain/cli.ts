// npm run pretrain — the studio's whole pipeline, headless: it builds and serves the app, opens it
// in headless Chromium with ?runner=1 and drives the app's own worker through window.simdetrRunner.
// Outputs and run.json go to --out; exit code 0 only when every stage finished. Usage: options.ts.
// Exit codes: 0 done, 1 a stage failed, 2 bad command line, 130/143 interrupted (resumable).

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunnerOpened } from '../../src/runner/types';
import { describeError, ROOT } from './app';
import { checkImageFolder } from './folder';
import { parseOptions, USAGE, UsageError, type Options } from './options';
import { OUTPUT_FILES, outPath } from './outputs';
import { makePlan, type RunPlan } from './plan';
import { Progress } from './progress';
import { readRecord, RunLog, type RunRecord, type Stage } from './record';
import { StageError, type Session } from './session';
import { closeStudio, openStudio, type Held } from './studio';

const DEFAULT_PORT = 4185;

function versions(): Record<string, string> {
  const pkg = (name: string) => {
    try {
      const json: unknown = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
      return String((json as { version?: unknown }).version ?? '?');
    } catch {
      return '?';
    }
  };
  const app: unknown = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return { app: String((app as { version?: unknown }).version ?? '?'), node: process.version, tfjs: pkg('@tensorflow/tfjs'), playwright: pkg('@playwright/test'), vite: pkg('vite') };
}

/** A fresh run's record; refuses an <out> that holds another run unless --overwrite. */
function freshLog(o: Options, argv: string[], plan: RunPlan): RunLog {
  const out = resolve(o.out ?? '.');
  if (existsSync(outPath(out, OUTPUT_FILES.run)) && !o.overwrite) {
    throw new UsageError(`${out} holds a previous run (run.json): continue it with --resume ${o.out}, or pass --overwrite to replace it`);
  }
  mkdirSync(out, { recursive: true });
  for (const name of [OUTPUT_FILES.proposals, OUTPUT_FILES.predictions, OUTPUT_FILES.weights, OUTPUT_FILES.metrics, OUTPUT_FILES.browserLog, OUTPUT_FILES.profile]) {
    rmSync(outPath(out, name), { recursive: true, force: true });
  }
  for (let r = 0; r <= 10; r++) rmSync(outPath(out, OUTPUT_FILES.pseudoLabels(r)), { force: true });
  const record: RunRecord = {
    format: 'simdetr-studio.pretrain-run', status: 'running', failedStage: null, error: null, command: argv, plan,
    port: o.port ?? DEFAULT_PORT, backend: { requested: plan.backend, used: null, adapter: null, fallbackReasons: [] },
    versions: versions(), browser: null, dataset: null, skipped: [], proposals: null, timings: {}, sessions: [], checkpoint: null, final: null, outputs: [OUTPUT_FILES.run],
  };
  return new RunLog(out, record);
}

/** Ingest and proposals for a fresh run, or the checkpoint's step for a resumed one; then training and outputs. */
async function stages(log: RunLog, s: Session, opened: RunnerOpened, resuming: boolean, progress: Progress): Promise<void> {
  const { record } = log;
  let resumeFrom: number | null = null;
  if (resuming) {
    if (!opened.checkpoint) {
      throw new StageError('training', `no checkpoint was saved in ${log.out} (the run stopped before training's first checkpoint); start it again with --overwrite instead of --resume`);
    }
    resumeFrom = opened.checkpoint.step;
    const current = record.sessions.at(-1);
    if (current) current.resumedFromStep = resumeFrom;
    progress.note(`resuming from the checkpoint of step ${resumeFrom} of ${opened.checkpoint.totalSteps}`);
  } else {
    const { summary, images } = await s.ingest(record.plan.source);
    record.skipped = summary.skipped;
    record.dataset = { added: summary.added, skipped: summary.skipped.length, images };
    log.save();
    if (summary.stoppedBecause) throw new StageError('ingest', `the ingest stopped: ${summary.stoppedBecause}`);
    if (images.length === 0) throw new StageError('ingest', noImagesMessage(record.plan.source, summary.skipped));
    await s.proposals();
  }
  await s.train(resumeFrom);
  await s.finalModel();
}

async function run(log: RunLog, resuming: boolean, executable: string | null, progress: Progress, held: Held): Promise<void> {
  const started = performance.now();
  let stage: Stage = 'images';
  try {
    const source = log.record.plan.source;
    if (source.kind === 'folder' && !resuming) checkImageFolder(source.path);
    stage = 'build';
    const { session, opened } = await openStudio(log, executable, progress, held);
    await stages(log, session, opened, resuming, progress);
    log.addTime('total', (performance.now() - started) / 1000);
    log.finish('done');
    rmSync(outPath(log.out, OUTPUT_FILES.profile), { recursive: true, force: true });
  } catch (err) {
    const failedIn = err instanceof StageError ? err.stage : (held.session?.stage ?? (held.browser ? 'browser' : stage));
    log.addTime('total', (performance.now() - started) / 1000);
    log.finish('failed', { stage: failedIn, message: describeError(err) });
    throw err;
  } finally {
    await closeStudio(held);
  }
}

function noImagesMessage(source: { kind: string; path?: string }, skipped: { path: string; reason: string }[]): string {
  const where = source.kind === 'demo' ? 'the demo dataset' : `--images ${source.path ?? ''}`;
  const reasons = new Map<string, number>();
  for (const f of skipped) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + 1);
  const list = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${where}: none of its ${skipped.length} files is a usable image (${list || 'nothing was read'}); see "skipped" in run.json`;
}

/** The run's log from the command line: a fresh run, or the one in --resume's folder; or an exit code. */
function setUp(argv: string[]): { log: RunLog; options: Options } | number {
  let options: Options;
  try {
    options = parseOptions(argv);
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (options.resume === null) return { log: freshLog(options, argv, makePlan(options)), options };
    const out = resolve(options.resume);
    const record = readRecord(out);
    if (record.status === 'done') {
      process.stderr.write(`the run in ${out} has already finished; nothing to resume\n`);
      return 0;
    }
    return { log: new RunLog(out, { ...record, status: 'running', failedStage: null, error: null }), options };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`pretrain: ${message}\n${err instanceof UsageError ? `\n${USAGE}\n` : ''}`);
    return 2;
  }
}

async function main(): Promise<number> {
  const ready = setUp(process.argv.slice(2));
  if (typeof ready === 'number') return ready;
  const { log, options } = ready;
  const progress = new Progress();
  const held: Held = { server: null, browser: null, session: null };
  log.record.sessions.push({ startedAt: new Date().toISOString(), endedAt: null, resumedFromStep: null, status: 'running' });
  log.save();
  // Killed by a signal, the run records where it was; the checkpoint in the profile stays for --resume.
  const onSignal = (signal: NodeJS.Signals) => {
    log.finish('interrupted', { stage: held.session?.stage ?? 'build', message: `interrupted by ${signal}; continue with --resume ${log.out}` });
    process.stderr.write(`\npretrain: interrupted by ${signal}; the last checkpoint stays in ${log.out} (continue with --resume ${log.out})\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(log, options.resume !== null, options.browser, progress, held);
    process.stderr.write(`pretrain: done; outputs in ${log.out}\n`);
    return 0;
  } catch (err) {
    progress.note('');
    process.stderr.write(`pretrain: failed in ${log.record.failedStage ?? 'a stage'}: ${log.record.error ?? describeError(err)}\n`);
    process.stderr.write(`whatever finished is in ${log.out}; run.json says why it stopped\n`);
    return 1;
  }
}

process.exitCode = await main();
