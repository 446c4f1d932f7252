// The only place that talks to the worker: creates it once, sends commands, and turns every
// worker event into a store action. Taps (the headless runner, src/runner) see every event too,
// after the store has taken it. A worker that crashes (an uncaught error) or says it cannot go on
// (its WebAssembly heap is full) is replaced by a fresh one on the same cache, so the dataset comes
// back and the run can resume from its checkpoint.

import { assertNever, isWorkerEvent, type Command, type WorkerEvent } from '../worker/protocol';
import { useStudio } from './index';
import { cacheShortSide, demoOnFirstVisit } from './settings';
import { setSender } from './transport';

let worker: Worker | null = null;
const taps = new Set<(event: WorkerEvent) => void>();

/** Calls `listener` with every worker event from now on; returns the function that stops it. */
export function tapWorkerEvents(listener: (event: WorkerEvent) => void): () => void {
  taps.add(listener);
  return () => taps.delete(listener);
}

export function startBridge(): void {
  if (worker) return;
  worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), { type: 'module', name: 'training' });
  const w = worker;
  // A worker that never answered failed to load: starting another would fail the same way.
  let answered = false;
  setSender((command: Command) => w.postMessage(command));
  const replace = (message: string) => {
    useStudio.getState().workerCrashed(message);
    w.onmessage = null;
    w.onerror = null;
    w.terminate();
    worker = null;
    startBridge();
  };
  w.onmessage = (event: MessageEvent<unknown>) => {
    answered = true;
    if (!isWorkerEvent(event.data)) return useStudio.getState().reportError('protocol', 'the worker sent a message without a type');
    if (event.data.type === 'workerBroken') {
      useStudio.getState().reportError('worker', event.data.message);
      return replace(event.data.message);
    }
    onEvent(event.data);
    for (const tap of taps) tap(event.data);
  };
  w.onerror = (event: ErrorEvent) => {
    // Handled here: the page does not report it again as its own uncaught error.
    event.preventDefault();
    const message = event.message || 'the training worker stopped with an error';
    useStudio.getState().reportError('worker', message);
    if (answered) replace(message);
  };
  const { backendSettings } = useStudio.getState();
  w.postMessage({
    type: 'init',
    options: { ...backendSettings, assetBase: import.meta.env.BASE_URL, demoOnFirstVisit: demoOnFirstVisit(), cacheShortSide: cacheShortSide() },
  } satisfies Command);
}

function onEvent(event: WorkerEvent): void {
  const s = useStudio.getState();
  switch (event.type) {
    case 'ready':
      return s.backendReady(event.report);
    case 'dataset':
      return s.datasetLoadedFromCache(event.images);
    case 'ingestStarted':
      return s.ingestStarted(event.jobId, event.total, event.source);
    case 'ingestProgress':
      return s.ingestProgressed(event);
    case 'ingestDone':
      return s.ingestFinished(event.summary);
    case 'datasetCleared':
      return s.datasetCleared();
    case 'image':
      return s.previewLoaded(event.id, event.blob);
    case 'proposalState':
      return s.proposalStateLoaded(event.config, event.result);
    case 'proposalsStarted':
      return s.proposalsStarted(event.runId, event.total);
    case 'proposalsProgress':
      return s.proposalsProgressed(event);
    case 'proposalsClustering':
      return s.proposalsClustering(event.runId);
    case 'proposalsDone':
      return s.proposalsDone(event.runId, event.result);
    case 'proposalsEnded':
      return s.proposalsEnded(event.runId, event.message);
    case 'trainingStatus': {
      const { status, round, step, totalSteps, message } = event;
      return s.trainingStatusChanged({ status, round, step, totalSteps, message });
    }
    case 'trainingSteps':
      return s.trainingStepsArrived(event.steps, event.memory);
    case 'trainingPredictions':
      return s.trainingPredictionsArrived(event.step, event.round, event.images);
    case 'trainingRound':
      return s.trainingRoundStarted(event.round, event.targets);
    case 'checkpoint':
      return s.checkpointChanged(event.summary);
    case 'resumed':
      return s.resumed({ step: event.step, savedProbeLoss: event.savedProbeLoss, probeLoss: event.probeLoss });
    case 'finalModelDone':
    case 'finalModelFailed':
      // Asked for by the headless runner only, which reads them through its tap.
      return;
    case 'runExported':
      return s.runExported({ bytes: event.bytes, fileName: event.fileName });
    case 'runImported':
      return s.runImported();
    case 'storageUsage':
      return s.storageUsageArrived(event.usage);
    case 'downstreamStarted':
      return s.downstreamStarted(event.plan);
    case 'downstreamProgress':
      return s.downstreamProgressed(event.runId, event.arm, event.point);
    case 'downstreamDone':
      return s.downstreamDone(event.runId, event.arms);
    case 'downstreamEnded':
      return s.downstreamEnded(event.runId, event.outcome, event.message);
    case 'gpuRecovered':
      return s.gpuRecovered(event.recovery);
    case 'workerBroken':
      // Taken in startBridge, which replaces the worker.
      return;
    case 'error':
      if (event.where === 'backend') s.backendFailed(event.message);
      if (event.where === 'export' || event.where === 'import') s.runTransferFailed(event.where);
      return s.reportError(event.where, event.message);
    default:
      return assertNever(event);
  }
}
