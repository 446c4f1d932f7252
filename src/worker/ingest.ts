// Ingest: files (or demo URLs) in, checked, de-duplicated, decoded, resized and cached.
// Every bad file gets a reason and the rest go on. Images reach the UI only after their batch
// is safely in IndexedDB, so what the UI shows is always what a reload will show.

import { checkFile, checkWholeFile, probeRanges } from '../core/imageSniff';
import { decodeAndResize, DecodeError } from './decode';
import { StorageFullError, type ImageStore, type StoredImage } from './imageStore';
import type { ImageWithThumb, IngestSummary, SkippedFile, WorkerEvent } from './protocol';

export interface IngestSource {
  path: string;
  open(): Promise<Blob>;
}

export interface IngestLimits {
  /** Short side of the cached copy in pixels (DESIGN §1 stage 0). */
  shortSide: number;
  thumbSide: number;
  maxBytes: number;
  maxPixels: number;
  concurrency: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  shortSide: 320,
  thumbSide: 112,
  maxBytes: 200 * 1024 * 1024,
  maxPixels: 64_000_000,
  concurrency: 3,
};

export interface IngestContext {
  store: ImageStore;
  /** id → path of every image already in the dataset. */
  known: Map<string, string>;
  emit(event: WorkerEvent): void;
  isCancelled(): boolean;
  limits: IngestLimits;
}

type Outcome = { kind: 'added'; record: StoredImage } | { kind: 'skipped'; skip: SkippedFile };

const FLUSH_EVERY = 16;
const FLUSH_MS = 250;

export async function runIngest(jobId: number, sources: readonly IngestSource[], ctx: IngestContext): Promise<IngestSummary> {
  const start = performance.now();
  const skipped: SkippedFile[] = [];
  let added = 0;
  let done = 0;
  let stoppedBecause: string | null = null;
  let pendingRecords: StoredImage[] = [];
  let pendingSkips: SkippedFile[] = [];
  let lastFlush = performance.now();
  const claimed = new Map<string, string>();

  const flush = async (): Promise<void> => {
    const batch = pendingRecords;
    const skips = pendingSkips;
    pendingRecords = [];
    pendingSkips = [];
    lastFlush = performance.now();
    let saved: StoredImage[] = batch;
    try {
      await ctx.store.putBatch(batch);
      for (const r of batch) ctx.known.set(r.id, r.meta.path);
      added += batch.length;
    } catch (err) {
      if (!(err instanceof StorageFullError)) throw err;
      saved = [];
      stoppedBecause = storageFullMessage(ctx.known.size);
      for (const r of batch) skips.push({ path: r.meta.path, reason: 'storage-full', message: 'not saved: storage is full' });
    }
    for (const r of batch) claimed.delete(r.id);
    skipped.push(...skips);
    const seconds = (performance.now() - start) / 1000;
    const addedNow: ImageWithThumb[] = saved.map((r) => ({ meta: r.meta, thumb: r.thumb }));
    ctx.emit({
      type: 'ingestProgress', jobId, done, total: sources.length,
      imagesPerSecond: done / Math.max(seconds, 1e-3), added: addedNow, skipped: skips,
    });
  };

  let flushing: Promise<void> = Promise.resolve();
  const onOutcome = (outcome: Outcome): void => {
    done += 1;
    if (outcome.kind === 'added') pendingRecords.push(outcome.record);
    else pendingSkips.push(outcome.skip);
    const due = pendingRecords.length >= FLUSH_EVERY || performance.now() - lastFlush > FLUSH_MS;
    if (due) flushing = flushing.then(flush);
  };

  let next = 0;
  const workerLoop = async (): Promise<void> => {
    while (next < sources.length && !ctx.isCancelled() && stoppedBecause === null) {
      const source = sources[next++];
      if (source) onOutcome(await ingestOne(source, ctx, claimed));
    }
  };
  await Promise.all(Array.from({ length: ctx.limits.concurrency }, workerLoop));
  flushing = flushing.then(flush);
  await flushing;
  const seconds = (performance.now() - start) / 1000;
  return { jobId, added, skipped, cancelled: ctx.isCancelled(), stoppedBecause, seconds };
}

function storageFullMessage(kept: number): string {
  return (
    `Storage is full: the browser refused to save more images (quota exceeded). ` +
    `The ${kept} images already in the dataset are kept; free space with "Clear dataset" or in the browser's site settings.`
  );
}

async function ingestOne(source: IngestSource, ctx: IngestContext, claimed: Map<string, string>): Promise<Outcome> {
  const skip = (reason: SkippedFile['reason'], message: string): Outcome => ({ kind: 'skipped', skip: { path: source.path, reason, message } });
  let blob: Blob;
  try {
    blob = await source.open();
  } catch (err) {
    return skip('undecodable', `could not be read (${err instanceof Error ? err.message : String(err)})`);
  }
  const ranges = probeRanges(blob.size);
  const head = new Uint8Array(await blob.slice(...ranges.head).arrayBuffer());
  const tail = new Uint8Array(await blob.slice(...ranges.tail).arrayBuffer());
  const first = checkFile({ name: source.path, size: blob.size, head, tail }, ctx.limits);
  if (!first.ok) return skip(first.reason, first.message);

  const bytes = new Uint8Array(await blob.arrayBuffer());
  // The size must be known before decoding; where the head did not hold it, the whole file may.
  const verdict = first.width === undefined && bytes.length > head.length ? checkWholeFile(source.path, bytes, ctx.limits) : first;
  if (!verdict.ok) return skip(verdict.reason, verdict.message);
  const id = await sha256Hex(bytes);
  const twin = ctx.known.get(id) ?? claimed.get(id);
  if (twin !== undefined) return skip('duplicate', `same content as "${twin}", kept once`);
  claimed.set(id, source.path);

  try {
    const d = await decodeAndResize(blob, ctx.limits);
    const meta = {
      id, path: source.path, format: verdict.format, bytes: blob.size,
      width: d.width, height: d.height, storedWidth: d.storedWidth, storedHeight: d.storedHeight, addedAt: Date.now(),
    };
    return { kind: 'added', record: { id, meta, pixels: d.pixels, thumb: d.thumb } };
  } catch (err) {
    claimed.delete(id);
    if (err instanceof DecodeError) return skip(err.reason, err.message);
    throw err;
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
