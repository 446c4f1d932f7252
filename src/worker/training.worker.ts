// The training worker: one per tab, created once by the store's bridge. Glue only: it picks the
// backend, owns the image cache and runs ingest; the math lives in src/core.

import { selectBackend } from './backend';
import { ImageStore } from './imageStore';
import { DEFAULT_LIMITS, runIngest, type IngestSource } from './ingest';
import { demoSources } from './demo';
import { assertNever, isCommand, type Command, type InitOptions, type WorkerEvent } from './protocol';

/** The parts of a dedicated worker's global scope we use (the DOM lib has no worker types). */
interface WorkerScope {
  postMessage(message: WorkerEvent): void;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
}

const scope = self as unknown as WorkerScope;

let store: ImageStore | null = null;
const known = new Map<string, string>();
const cancelled = new Set<number>();
let ingestQueue: Promise<void> = Promise.resolve();
let assetBase = '/';

function emit(event: WorkerEvent): void {
  scope.postMessage(event);
}

function fail(where: string, err: unknown): void {
  emit({ type: 'error', where, message: err instanceof Error ? err.message : String(err) });
}

function requireStore(): ImageStore {
  if (!store) throw new Error('the image cache is not open yet (init has not finished)');
  return store;
}

async function init(options: InitOptions): Promise<void> {
  assetBase = options.assetBase;
  // The cache does not wait for the GPU: the dataset shows while the backend starts.
  const backend = selectBackend(options.backend, options.allowFallbackAdapter)
    .then((report) => emit({ type: 'ready', report }))
    .catch((err: unknown) => fail('backend', err));
  store = await ImageStore.open();
  const images = await store.loadAll();
  for (const { meta } of images) known.set(meta.id, meta.path);
  emit({ type: 'dataset', images });
  const demoSeen = (await store.getSetting('demoLoaded')) === true;
  if (options.demoOnFirstVisit && images.length === 0 && !demoSeen) enqueueIngest(0, 'demo');
  await backend;
}

/** Jobs run one after another so two drops never race on the same cache. */
function enqueueIngest(jobId: number, source: 'demo' | IngestSource[]): void {
  ingestQueue = ingestQueue.then(async () => {
    const s = requireStore();
    const sources = source === 'demo' ? await demoSources(assetBase) : source;
    emit({ type: 'ingestStarted', jobId, total: sources.length, source: source === 'demo' ? 'demo' : 'files' });
    const summary = await runIngest(jobId, sources, {
      store: s, known, emit, isCancelled: () => cancelled.has(jobId), limits: DEFAULT_LIMITS,
    });
    if (source === 'demo') await s.setSetting('demoLoaded', true);
    emit({ type: 'ingestDone', summary });
  }).catch((err: unknown) => fail('ingest', err));
}

async function handle(cmd: Command): Promise<void> {
  switch (cmd.type) {
    case 'init':
      return init(cmd.options);
    case 'ingestFiles':
      return enqueueIngest(cmd.jobId, cmd.files.map((f) => ({ path: f.path, open: () => Promise.resolve(f.file) })));
    case 'ingestDemo':
      return enqueueIngest(cmd.jobId, 'demo');
    case 'cancelIngest':
      cancelled.add(cmd.jobId);
      return;
    case 'clearDataset': {
      await ingestQueue;
      await requireStore().clearImages();
      known.clear();
      emit({ type: 'datasetCleared' });
      return;
    }
    case 'getImage': {
      const blob = await requireStore().getPixels(cmd.id);
      emit({ type: 'image', id: cmd.id, blob });
      return;
    }
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
