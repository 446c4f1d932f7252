// The training worker: one per tab, created once by the store's bridge. Glue only: it picks the
// backend, owns the image cache and runs ingest; the math lives in src/core.

import { selectBackend } from './backend';
import { ImageStore, StorageFullError, type Checkpoint } from './imageStore';
import { DEFAULT_LIMITS, runIngest, type IngestSource } from './ingest';
import { DEFAULT_PROPOSAL_CONFIG, validateProposalConfig } from '../core/proposalConfig';
import { isBrokenWasmHeap } from '../core/wasmMemory';
import { demoSources } from './demo';
import { encoderWeights, forgetEncoderWeights } from './encoder';
import { injectFault } from './faults';
import { finalModel } from './finalModel';
import { DownstreamCancelled } from '../core/downstream';
import { runDownstream } from './downstreamRunner';
import { exportRun, importRun } from './runTransfer';
import { Cancelled, runProposals } from './proposalRunner';
import { TrainingRuns } from './trainingRuns';
import type { SelfTrainingFilter } from '../core/trainData';
import { assertNever, isCommand, type CheckpointSummary, type Command, type DownstreamRequest, type InitOptions, type WorkerEvent } from './protocol';

/** The parts of a dedicated worker's global scope we use (the DOM lib has no worker types). */
interface WorkerScope {
  postMessage(message: WorkerEvent, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
}

const scope = self as unknown as WorkerScope;

let store: ImageStore | null = null;
const known = new Map<string, string>();
const cancelled = new Set<number>();
/** Jobs that read or write the dataset run one after another, so they never race on the cache. */
let jobs: Promise<void> = Promise.resolve();
const cancelledRuns = new Set<number>();
/** The downstream check running now, if any: pretraining waits until it ends. */
let downstreamRun: number | null = null;
const cancelledChecks = new Set<number>();
const arriving = new Map<number, IngestSource[]>();
let assetBase = '/';
let limits = DEFAULT_LIMITS;
let backendChoice: Pick<InitOptions, 'backend' | 'allowFallbackAdapter'> = { backend: 'auto', allowFallbackAdapter: false };
let markInitialized = () => undefined as void;

const runs = new TrainingRuns({
  emit,
  store: requireStore,
  encoder: () => encoderWeights(assetBase),
  restartBackend: async () => {
    // The cached encoder tensors were on the lost device.
    forgetEncoderWeights();
    const report = await selectBackend(backendChoice.backend, backendChoice.allowFallbackAdapter);
    emit({ type: 'ready', report });
    return report;
  },
  initialized: new Promise<void>((r) => (markInitialized = r)),
});

function emit(event: WorkerEvent): void {
  scope.postMessage(event);
}

function fail(where: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  // Nothing more may run on a full or trapped heap: the page replaces this worker.
  if (isBrokenWasmHeap(err)) return emit({ type: 'workerBroken', message: `${where}: ${message}` });
  emit({ type: 'error', where, message });
}

function requireStore(): ImageStore {
  if (!store) throw new Error('the image cache is not open yet (init has not finished)');
  return store;
}

async function init(options: InitOptions): Promise<void> {
  assetBase = options.assetBase;
  limits = { ...DEFAULT_LIMITS, shortSide: options.cacheShortSide };
  backendChoice = { backend: options.backend, allowFallbackAdapter: options.allowFallbackAdapter };
  // The cache does not wait for the GPU: the dataset shows while the backend starts.
  const backend = selectBackend(options.backend, options.allowFallbackAdapter)
    .then((report) => {
      emit({ type: 'ready', report });
      runs.watchBackend();
    })
    .catch((err: unknown) => fail('backend', err));
  store = await ImageStore.open();
  const images = await store.loadAll();
  for (const { meta } of images) known.set(meta.id, meta.path);
  emit({ type: 'dataset', images });
  emit({ type: 'proposalState', config: await savedProposalConfig(store), result: await store.getProposals() });
  emit({ type: 'checkpoint', summary: checkpointSummary(await store.getCheckpoint()) });
  const demoSeen = (await store.getSetting('demoLoaded')) === true;
  if (options.demoOnFirstVisit && images.length === 0 && !demoSeen) enqueueIngest(0, 'demo');
  await backend;
}

async function savedProposalConfig(s: ImageStore) {
  try {
    const saved = await s.getSetting('proposalConfig');
    return saved === undefined ? DEFAULT_PROPOSAL_CONFIG : validateProposalConfig(saved);
  } catch {
    // A config saved by an older version that no longer validates gives way to the defaults.
    return DEFAULT_PROPOSAL_CONFIG;
  }
}

function checkpointSummary(c: Checkpoint | null): CheckpointSummary | null {
  if (!c) return null;
  const totalSteps = (c.config.extraRounds + 1) * c.config.stepsPerRound;
  return { config: c.config, step: c.step, round: c.round, totalSteps, preset: c.config.preset, savedAt: c.savedAt, probeLoss: c.probeLoss };
}

function enqueue(where: string, job: () => Promise<void>): void {
  jobs = jobs.then(job).catch((err: unknown) => fail(where, err));
}

function enqueueIngest(jobId: number, source: 'demo' | IngestSource[]): void {
  enqueue('ingest', async () => {
    const s = requireStore();
    const sources = source === 'demo' ? await demoSources(assetBase) : source;
    emit({ type: 'ingestStarted', jobId, total: sources.length, source: source === 'demo' ? 'demo' : 'files' });
    const summary = await runIngest(jobId, sources, {
      store: s, known, emit, isCancelled: () => cancelled.has(jobId), limits,
    });
    if (source === 'demo') await s.setSetting('demoLoaded', true);
    emit({ type: 'ingestDone', summary });
  });
}

function enqueueProposals(runId: number, rawConfig: unknown): void {
  enqueue('proposals', async () => {
    const s = requireStore();
    try {
      const config = validateProposalConfig(rawConfig);
      const result = await runProposals(runId, config, {
        store: s, emit, encoder: () => encoderWeights(assetBase), isCancelled: () => cancelledRuns.has(runId),
      });
      // One put replaces the previous run's proposals: refused, it leaves them whole.
      await s.putProposals(result);
      await s.setSetting('proposalConfig', config);
      emit({ type: 'proposalsDone', runId, result });
    } catch (err) {
      if (isBrokenWasmHeap(err)) return fail('proposals', err);
      const cancelled = err instanceof Cancelled;
      const message = cancelled
        ? 'cancelled; the previous results are kept'
        : err instanceof StorageFullError
          ? `${err.message}; the previous proposals are kept. Free space in the Storage panel`
          : err instanceof Error ? err.message : String(err);
      emit({ type: 'proposalsEnded', runId, outcome: cancelled ? 'cancelled' : 'failed', message });
    }
  });
}

function enqueueFinalModel(requestId: number, filter: SelfTrainingFilter): void {
  enqueue('finalModel', async () => {
    try {
      if (runs.busy) throw new Error('a pretraining run is going; the final model exists once it ends');
      const model = await finalModel(requireStore(), await encoderWeights(assetBase), filter);
      emit({ type: 'finalModelDone', requestId, model });
    } catch (err) {
      emit({ type: 'finalModelFailed', requestId, message: err instanceof Error ? err.message : String(err) });
    }
  });
}

function refuseDuringDownstream(): void {
  if (downstreamRun !== null) throw new Error('the downstream check is running; cancel it or let it finish before pretraining');
}

function enqueueDownstream(request: DownstreamRequest): void {
  enqueue('downstream', async () => {
    const { runId } = request;
    try {
      if (runs.busy) throw new Error('a pretraining run is going; stop it (or let it finish) before the downstream check');
      downstreamRun = runId;
      const arms = await runDownstream(request, {
        store: requireStore(), encoder: () => encoderWeights(assetBase), emit, isCancelled: () => cancelledChecks.has(runId),
      });
      emit({ type: 'downstreamDone', runId, arms });
    } catch (err) {
      if (isBrokenWasmHeap(err)) return fail('downstream', err);
      const cancelled = err instanceof DownstreamCancelled;
      emit({ type: 'downstreamEnded', runId, outcome: cancelled ? 'cancelled' : 'failed', message: err instanceof Error ? err.message : String(err) });
    } finally {
      downstreamRun = null;
    }
  });
}

function enqueueExport(): void {
  enqueue('export', async () => {
    const { bytes, fileName } = await exportRun(requireStore(), await encoderWeights(assetBase));
    // Transferred, not copied: a large preset's zip is tens of megabytes.
    scope.postMessage({ type: 'runExported', bytes, fileName }, [bytes.buffer as ArrayBuffer]);
  });
}

function enqueueImport(file: File): void {
  enqueue('import', async () => {
    if (runs.busy) throw new Error('a pretraining run is going; stop it before importing another run');
    const c = await importRun(requireStore(), await encoderWeights(assetBase), file);
    emit({ type: 'runImported', step: c.step, round: c.round });
    emit({ type: 'checkpoint', summary: checkpointSummary(c) });
  });
}

async function handle(cmd: Command): Promise<void> {
  switch (cmd.type) {
    case 'init':
      // First in the job queue, so files dropped while the cache opens wait for it instead of failing.
      return enqueue('init', () => init(cmd.options).finally(markInitialized));
    case 'ingestFiles': {
      const sources = arriving.get(cmd.jobId) ?? [];
      for (const f of cmd.files) sources.push({ path: f.path, open: () => Promise.resolve(f.file) });
      if (!cmd.last) return void arriving.set(cmd.jobId, sources);
      arriving.delete(cmd.jobId);
      return enqueueIngest(cmd.jobId, sources);
    }
    case 'ingestDemo':
      return enqueueIngest(cmd.jobId, 'demo');
    case 'cancelIngest':
      cancelled.add(cmd.jobId);
      return;
    case 'clearDataset':
      runs.stop();
      return enqueue('clear', async () => {
        await requireStore().clearImages();
        known.clear();
        emit({ type: 'datasetCleared' });
        emit({ type: 'checkpoint', summary: null });
      });
    case 'getImage': {
      const blob = await requireStore().getPixels(cmd.id);
      emit({ type: 'image', id: cmd.id, blob });
      return;
    }
    case 'runProposals':
      return enqueueProposals(cmd.runId, cmd.config);
    case 'cancelProposals':
      cancelledRuns.add(cmd.runId);
      return;
    case 'startTraining':
      refuseDuringDownstream();
      return runs.start(cmd.config);
    case 'pauseTraining':
      return runs.pause();
    case 'resumeTraining':
      return runs.resume();
    case 'stopTraining':
      return runs.stop();
    case 'resumeFromCheckpoint':
      refuseDuringDownstream();
      return runs.start('checkpoint');
    case 'finalModel':
      return enqueueFinalModel(cmd.requestId, cmd.filter);
    case 'exportRun':
      return enqueueExport();
    case 'importRun':
      return enqueueImport(cmd.file);
    case 'runDownstream':
      return enqueueDownstream(cmd.request);
    case 'cancelDownstream':
      cancelledChecks.add(cmd.runId);
      return;
    case 'storageUsage':
      return enqueue('storage', async () => emit({ type: 'storageUsage', usage: await requireStore().usage() }));
    case 'clearCheckpoints':
      return enqueue('storage', async () => {
        if (runs.busy) throw new Error('a pretraining run is going; stop it before deleting its checkpoints');
        await requireStore().clearCheckpoints();
        emit({ type: 'checkpoint', summary: null });
        emit({ type: 'storageUsage', usage: await requireStore().usage() });
      });
    case 'injectFault':
      return injectFault(cmd.fault);
    default:
      return assertNever(cmd);
  }
}

scope.onmessage = (event: MessageEvent<unknown>) => {
  const data = event.data;
  if (!isCommand(data)) {
    fail('protocol', new Error(`expected a command object with a "type", got ${typeof data}`));
    return;
  }
  handle(data).catch((err: unknown) => fail(data.type, err));
};
