// The dataset as the UI sees it: image metadata in path order, thumbnails, the running ingest
// job and the report of the last one.

import type { StateCreator } from 'zustand';
import type { ImageMeta, ImageWithThumb, IncomingFile, IngestSummary, SkippedFile } from '../worker/protocol';
import { revokeView } from './proposalsSlice';
import { send } from './transport';
import type { StudioState } from './index';

export interface IngestProgress {
  jobId: number;
  source: 'files' | 'demo';
  total: number;
  done: number;
  imagesPerSecond: number;
  /** Skips seen so far in this job, shown while it runs. */
  skipped: SkippedFile[];
  added: number;
}

export interface DatasetSlice {
  images: ImageMeta[];
  /** Thumbnail blobs by image id. Cells mint their object URLs while shown (BlobImage):
   *  minting 5,000 on the page as an ingest adds them made its longest tasks. */
  thumbs: Record<string, Blob>;
  datasetLoaded: boolean;
  ingest: IngestProgress | null;
  lastReport: IngestSummary | null;
  nextJobId: number;
  selectedId: string | null;
  /** Folders that could not be read during the last drop or pick. */
  pickProblems: string[];
  /** Object URL of the selected image's cached copy, once the worker sent it. */
  preview: { id: string; url: string } | null;

  /** problems: folders that could not be walked while collecting the files. */
  addFiles(files: IncomingFile[], problems?: string[]): void;
  loadDemo(): void;
  cancelIngest(): void;
  clearDataset(): void;
  selectImage(id: string | null): void;

  datasetLoadedFromCache(items: ImageWithThumb[]): void;
  ingestStarted(jobId: number, total: number, source: 'files' | 'demo'): void;
  ingestProgressed(p: { jobId: number; done: number; total: number; imagesPerSecond: number; added: ImageWithThumb[]; skipped: SkippedFile[] }): void;
  ingestFinished(summary: IngestSummary): void;
  datasetCleared(): void;
  previewLoaded(id: string, blob: Blob | null): void;
}

// One collator for every comparison: localeCompare with options builds one per call, which made
// re-sorting 5,000 paths on each ingest batch cost the page ~30 ms instead of ~1 ms.
const pathOrder = new Intl.Collator(undefined, { numeric: true });
const byPath = (a: ImageMeta, b: ImageMeta): number => pathOrder.compare(a.path, b.path);

function withImages(state: DatasetSlice, items: ImageWithThumb[]): Pick<DatasetSlice, 'images' | 'thumbs'> {
  if (items.length === 0) return { images: state.images, thumbs: state.thumbs };
  const thumbs = { ...state.thumbs };
  const fresh: ImageMeta[] = [];
  for (const { meta, thumb } of items) {
    if (thumbs[meta.id] !== undefined) continue;
    thumbs[meta.id] = thumb;
    fresh.push(meta);
  }
  return { images: [...state.images, ...fresh].sort(byPath), thumbs };
}

/** Files per message: cloning a File costs the page about 0.15 ms, so 50 keep each task short. */
const FILES_PER_MESSAGE = 50;

function sendInChunks(jobId: number, files: IncomingFile[], from: number): void {
  const to = Math.min(files.length, from + FILES_PER_MESSAGE);
  send({ type: 'ingestFiles', jobId, files: files.slice(from, to), last: to === files.length });
  if (to < files.length) setTimeout(() => sendInChunks(jobId, files, to), 0);
}

export const createDatasetSlice: StateCreator<StudioState, [], [], DatasetSlice> = (set, get) => ({
  images: [],
  thumbs: {},
  datasetLoaded: false,
  ingest: null,
  lastReport: null,
  nextJobId: 1,
  selectedId: null,
  pickProblems: [],
  preview: null,

  addFiles: (files, problems = []) => {
    set({ pickProblems: problems });
    if (files.length === 0) return;
    const jobId = get().nextJobId;
    set({ nextJobId: jobId + 1 });
    sendInChunks(jobId, files, 0);
  },
  loadDemo: () => {
    const jobId = get().nextJobId;
    set({ nextJobId: jobId + 1 });
    send({ type: 'ingestDemo', jobId });
  },
  cancelIngest: () => {
    const job = get().ingest;
    if (job) send({ type: 'cancelIngest', jobId: job.jobId });
  },
  clearDataset: () => send({ type: 'clearDataset' }),
  selectImage: (id) => {
    set({ selectedId: id });
    if (id !== null) send({ type: 'getImage', id });
  },

  datasetLoadedFromCache: (items) => set((s) => ({ ...withImages(s, items), datasetLoaded: true })),
  ingestStarted: (jobId, total, source) =>
    set({ ingest: { jobId, source, total, done: 0, imagesPerSecond: 0, skipped: [], added: 0 } }),
  ingestProgressed: (p) =>
    set((s) => ({
      ...withImages(s, p.added),
      ingest:
        s.ingest && s.ingest.jobId === p.jobId
          ? {
              ...s.ingest, done: p.done, total: p.total, imagesPerSecond: p.imagesPerSecond,
              skipped: [...s.ingest.skipped, ...p.skipped], added: s.ingest.added + p.added.length,
            }
          : s.ingest,
    })),
  ingestFinished: (summary) => set({ ingest: null, lastReport: summary }),
  datasetCleared: () => {
    const preview = get().preview;
    if (preview) URL.revokeObjectURL(preview.url);
    revokeView(get().proposals);
    set({
      images: [], thumbs: {}, lastReport: null, selectedId: null, preview: null,
      proposals: null, selectedCluster: null, selectedProposals: [],
    });
  },
  previewLoaded: (id, blob) => {
    const old = get().preview;
    if (old) URL.revokeObjectURL(old.url);
    const stillSelected = get().selectedId === id;
    set({ preview: blob && stillSelected ? { id, url: URL.createObjectURL(blob) } : null });
  },
});
