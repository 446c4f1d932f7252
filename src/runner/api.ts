// The headless runner's automation surface (scripts/pretrain drives it with Playwright): opened
// with ?runner=1, the page exposes window.simdetrRunner. Its methods act through the store's own
// actions (or, for what only the runner asks, the worker's own commands) and resolve on the
// worker's events, so a headless run takes exactly the studio's code path. Progress goes to
// window.simdetrRunnerReport when the runner has exposed it.

import { tapWorkerEvents } from '../store/bridge';
import { useStudio } from '../store/index';
import { send } from '../store/transport';
import type { IngestSummary, WorkerEvent } from '../worker/protocol';
import type { RunnerDownstream, RunnerImage, RunnerReport, RunnerTrainingEnd, SimdetrRunner } from './types';

type Outcome<T> = { value: T } | { error: string };

/** Store errors that mean the worker itself is gone: every pending call fails with them. */
const FATAL_WHERE = new Set(['worker', 'protocol']);

export function runnerRequested(): boolean {
  return new URLSearchParams(location.search).get('runner') === '1';
}

/** Resolves with the first event `match` decides on; rejects when the worker dies meanwhile. */
function until<T>(match: (e: WorkerEvent) => Outcome<T> | null): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const finish = (o: Outcome<T>) => {
      stopTap();
      stopErrors();
      if ('value' in o) resolve(o.value);
      else reject(new Error(o.error));
    };
    const stopTap = tapWorkerEvents((e) => {
      const o = match(e);
      if (o) finish(o);
    });
    const stopErrors = useStudio.subscribe((s, prev) => {
      const fatal = s.errors.find((x) => !prev.errors.includes(x) && FATAL_WHERE.has(x.where));
      if (fatal) finish({ error: `${fatal.where}: ${fatal.message}` });
    });
  });
}

const failedIn = (e: WorkerEvent, where: string): Outcome<never> | null =>
  e.type === 'error' && e.where === where ? { error: `${where}: ${e.message}` } : null;

function report(e: WorkerEvent): RunnerReport | null {
  switch (e.type) {
    case 'ingestStarted':
      return { kind: 'ingest', done: 0, total: e.total };
    case 'ingestProgress':
      return { kind: 'ingest', done: e.done, total: e.total };
    case 'proposalsProgress':
      return { kind: 'proposals', done: e.done, total: e.total };
    case 'proposalsClustering':
      return { kind: 'clustering', proposals: e.proposals };
    case 'trainingStatus':
      return { kind: 'status', status: e.status, round: e.round, step: e.step, totalSteps: e.totalSteps, message: e.message };
    case 'trainingSteps':
      return { kind: 'steps', steps: e.steps, memory: e.memory };
    case 'trainingRound':
      return { kind: 'round', round: e.round, K: e.K, targets: e.targets };
    case 'checkpoint':
      return e.summary ? { kind: 'checkpoint', step: e.summary.step, round: e.summary.round } : null;
    case 'resumed':
      return { kind: 'resumed', step: e.step, savedProbeLoss: e.savedProbeLoss, probeLoss: e.probeLoss };
    case 'downstreamProgress':
      return { kind: 'downstream', arm: e.arm, point: e.point, totalSteps: e.totalSteps };
    default:
      return null;
  }
}

function images(): RunnerImage[] {
  return useStudio.getState().images.map((m) => ({
    id: m.id, path: m.path, width: m.width, height: m.height, storedWidth: m.storedWidth, storedHeight: m.storedHeight,
  }));
}

function trainingEnd(e: WorkerEvent): Outcome<RunnerTrainingEnd> | null {
  if (e.type !== 'trainingStatus') return failedIn(e, 'training');
  if (e.status === 'failed') return { error: `training failed at step ${e.step}: ${e.message ?? 'no reason given'}` };
  if (e.status !== 'done' && e.status !== 'stopped') return null;
  return { value: { status: e.status, step: e.step, round: e.round, message: e.message } };
}

/** Installs window.simdetrRunner; call before startBridge so that no event of init is missed. */
export function installRunner(): void {
  const ingests: IngestSummary[] = [];
  let weights: Uint8Array = new Uint8Array(0);
  let nextRequest = 1;
  tapWorkerEvents((e) => {
    if (e.type === 'ingestDone') ingests.push(e.summary);
    const r = report(e);
    if (r) window.simdetrRunnerReport?.(r);
  });
  const ready = until((e) => (e.type === 'ready' ? { value: e.report } : failedIn(e, 'backend') ?? failedIn(e, 'init')));
  // The checkpoint summary is the last thing init sends about the cache.
  const cacheOpen = until((e) => (e.type === 'checkpoint' ? { value: undefined } : failedIn(e, 'init')));
  // Awaited only when the runner asks; until then a failure must not count as unhandled.
  ready.catch(() => undefined);
  cacheOpen.catch(() => undefined);

  const runner: SimdetrRunner = {
    async opened() {
      const [backend] = await Promise.all([ready, cacheOpen]);
      return { backend, images: images(), checkpoint: useStudio.getState().checkpoint };
    },
    images,
    ingestCount: () => ingests.length,
    ingestDemo() {
      const jobId = useStudio.getState().nextJobId;
      const done = until((e) => (e.type === 'ingestDone' && e.summary.jobId === jobId ? { value: e.summary } : failedIn(e, 'ingest')));
      useStudio.getState().loadDemo();
      return done;
    },
    ingestAfter(count) {
      const found = ingests[count];
      if (found) return Promise.resolve(found);
      return until((e) => (e.type === 'ingestDone' && ingests.length > count ? { value: ingests[count] ?? e.summary } : failedIn(e, 'ingest')));
    },
    async proposals(config) {
      const runId = useStudio.getState().nextRunId;
      const done = until((e) => {
        if (e.type === 'proposalsDone' && e.runId === runId) return { value: e.result };
        if (e.type === 'proposalsEnded' && e.runId === runId) return { error: `proposals ${e.outcome}: ${e.message}` };
        return failedIn(e, 'proposals');
      });
      useStudio.getState().runProposals(config);
      const { K, note, seconds, timings, images: found } = await done;
      return { K, note, seconds, timings, images: found };
    },
    train(config) {
      const end = until(trainingEnd);
      useStudio.getState().setTrainingConfig(config);
      useStudio.getState().startTraining();
      return end;
    },
    resume() {
      const end = until(trainingEnd);
      useStudio.getState().resumeFromCheckpoint();
      return end;
    },
    async finalModel(filter) {
      const requestId = nextRequest++;
      const done = until((e) => {
        if (e.type === 'finalModelDone' && e.requestId === requestId) return { value: e.model };
        if (e.type === 'finalModelFailed' && e.requestId === requestId) return { error: `final model: ${e.message}` };
        return failedIn(e, 'finalModel');
      });
      send({ type: 'finalModel', requestId, filter });
      const model = await done;
      weights = model.safetensors;
      return { step: model.step, round: model.round, K: model.K, predictions: model.predictions, weightBytes: weights.length };
    },
    weights: (offset, length) => weights.slice(offset, offset + length),
    downstream(labels, arms, settings, preset) {
      useStudio.getState().setDownstreamSettings(settings);
      // Worker events arrive as tasks of their own, so none is missed before `until` listens.
      const runId = useStudio.getState().runDownstream(new File([labels.text], labels.name, { type: 'application/json' }), arms, preset);
      let plan: RunnerDownstream['plan'] | null = null;
      return until<RunnerDownstream>((e) => {
        if (e.type === 'downstreamStarted' && e.plan.runId === runId) plan = e.plan;
        if (e.type === 'downstreamDone' && e.runId === runId && plan) return { value: { plan, arms: e.arms } };
        if (e.type === 'downstreamEnded' && e.runId === runId) return { error: `downstream check ${e.outcome}: ${e.message}` };
        return failedIn(e, 'downstream');
      });
    },
    injectFault: (fault) => send({ type: 'injectFault', fault }),
  };
  window.simdetrRunner = runner;
}
