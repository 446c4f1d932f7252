// The dataset cache in IndexedDB: resized copies, thumbnails and metadata of every image, so a
// reload never asks for the folder again. Each batch is written in one transaction: it lands
// whole or not at all, which keeps the cache consistent when the storage quota runs out.

import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { TrainerSnapshot } from '../core/checkpoint';
import { NO_AUGMENT } from '../core/augment';
import type { ImageTargets } from '../core/matcher';
import type { ImageMeta, ImageWithThumb, ProposalRunResult, StepReport, StorageUsage, TrainingConfig } from './protocol';
import type { RoundLabels } from './runLabels';

export interface Checkpoint {
  config: TrainingConfig;
  K: number;
  step: number;
  round: number;
  /** The targets of the current round, by image id (round 1+ targets are predictions). */
  imageIds: string[];
  targets: ImageTargets[];
  snapshot: TrainerSnapshot;
  /** Loss of a fixed batch (the first images) with the saved weights, for checking a restore. */
  probeLoss: number;
  savedAt: number;
  /** Targets of every round so far, for the export (absent in checkpoints of older versions). */
  rounds?: RoundLabels[];
  /** Step metrics up to `step`, bounded (metricsLog.ts); absent in checkpoints of older versions. */
  metrics?: StepReport[];
}

export interface StoredImage {
  id: string;
  meta: ImageMeta;
  /** Resized copy used by every later stage (JPEG). */
  pixels: Blob;
  /** Small copy for the grid (JPEG). */
  thumb: Blob;
}

interface StudioDb extends DBSchema {
  images: { key: string; value: StoredImage };
  settings: { key: string; value: unknown };
  /** The last complete proposal run, under the key 'current': replaced whole, never in parts. */
  proposals: { key: string; value: ProposalRunResult };
  /** Two slots, 'A' and 'B'; settings 'checkpointSlot' names the last complete one. */
  checkpoints: { key: string; value: Checkpoint };
}

export const DB_NAME = 'simdetr-studio';

export class StorageFullError extends Error {
  /** what: the data that could not be saved, e.g. "the checkpoint of step 10". */
  constructor(readonly what = 'more data') {
    super(`Storage is full: the browser refused to save ${what} (storage quota exceeded)`);
    this.name = 'StorageFullError';
  }
}

export class ImageStore {
  private constructor(private readonly db: IDBPDatabase<StudioDb>) {}

  static async open(): Promise<ImageStore> {
    const db = await openDB<StudioDb>(DB_NAME, 3, {
      upgrade(d, oldVersion) {
        if (oldVersion < 1) {
          d.createObjectStore('images', { keyPath: 'id' });
          d.createObjectStore('settings');
        }
        if (oldVersion < 2) d.createObjectStore('proposals');
        if (oldVersion < 3) d.createObjectStore('checkpoints');
      },
    });
    return new ImageStore(db);
  }

  async loadAll(): Promise<ImageWithThumb[]> {
    const all = await this.db.getAll('images');
    return all.map((r) => ({ meta: r.meta, thumb: r.thumb }));
  }

  async getPixels(id: string): Promise<Blob | null> {
    const record = await this.db.get('images', id);
    return record ? record.pixels : null;
  }

  /** Writes all records in one transaction; throws StorageFullError when over quota. */
  async putBatch(records: readonly StoredImage[]): Promise<void> {
    if (records.length === 0) return;
    const tx = this.db.transaction('images', 'readwrite');
    // A failed put aborts the transaction; tx.done carries the cause, so the puts' own
    // rejections are only silenced here, not lost.
    for (const r of records) tx.store.put(r).catch(() => undefined);
    try {
      await tx.done;
    } catch (err) {
      if (isQuotaError(tx.error) || isQuotaError(err)) throw new StorageFullError(`${records.length} cached images`);
      throw err;
    }
  }

  /** Metadata of every image, without reading any pixels. */
  async listMetas(): Promise<ImageMeta[]> {
    const all = await this.db.getAll('images');
    return all.map((r) => r.meta);
  }

  /** Empties the dataset and everything derived from it, in one transaction. */
  async clearImages(): Promise<void> {
    const tx = this.db.transaction(['images', 'proposals', 'checkpoints'], 'readwrite');
    const stores = [tx.objectStore('images'), tx.objectStore('proposals'), tx.objectStore('checkpoints')] as const;
    await Promise.all([...stores.map((st) => st.clear()), tx.done]);
  }

  async getProposals(): Promise<ProposalRunResult | null> {
    return (await this.db.get('proposals', 'current')) ?? null;
  }

  /** Replaces the saved run in one put: a failure leaves the previous run as it was. */
  async putProposals(result: ProposalRunResult): Promise<void> {
    try {
      await this.db.put('proposals', result, 'current');
    } catch (err) {
      if (isQuotaError(err)) throw new StorageFullError('the proposals');
      throw err;
    }
  }

  /** The last complete checkpoint, or null. */
  async getCheckpoint(): Promise<Checkpoint | null> {
    const slot = await this.db.get('settings', 'checkpointSlot');
    if (slot !== 'A' && slot !== 'B') return null;
    const c = await this.db.get('checkpoints', slot);
    // Runs saved before augmentation and the class share existed trained without flips and crops, on
    // every pseudo-class, and resume that way.
    return c ? { ...c, config: { ...c.config, augment: c.config.augment ?? NO_AUGMENT, classShare: c.config.classShare ?? 1 } } : null;
  }

  /**
   * Writes into the slot that is not the last complete one, then points at it: a crash or a full
   * disk while writing leaves the previous checkpoint whole and current.
   */
  async putCheckpoint(c: Checkpoint): Promise<void> {
    const current = await this.db.get('settings', 'checkpointSlot');
    const slot = current === 'A' ? 'B' : 'A';
    const tx = this.db.transaction('checkpoints', 'readwrite');
    // Over quota, Chromium aborts the transaction: its error names the cause, the put's only repeats it.
    tx.store.put(c, slot).catch(() => undefined);
    try {
      await tx.done;
    } catch (err) {
      if (isQuotaError(tx.error) || isQuotaError(err)) throw new StorageFullError(`the checkpoint of step ${c.step}`);
      throw err;
    }
    await this.db.put('settings', slot, 'checkpointSlot');
  }

  async clearCheckpoints(): Promise<void> {
    const tx = this.db.transaction(['checkpoints', 'settings'], 'readwrite');
    await Promise.all([tx.objectStore('checkpoints').clear(), tx.objectStore('settings').delete('checkpointSlot'), tx.done]);
  }

  /** Bytes by kind. Reads every checkpoint slot, so it is asked for on demand, not per step. */
  async usage(): Promise<StorageUsage> {
    let imageBytes = 0;
    let images = 0;
    for (let c = await this.db.transaction('images').store.openCursor(); c; c = await c.continue()) {
      imageBytes += c.value.pixels.size + c.value.thumb.size;
      images += 1;
    }
    const slots = await this.db.getAll('checkpoints');
    const arrays = (xs: readonly Float32Array[]) => xs.reduce((a, x) => a + x.byteLength, 0);
    const checkpointBytes = slots.reduce((a, { snapshot: s }) => a + arrays(s.weights) + arrays(s.optimizer.m) + arrays(s.optimizer.v), 0);
    return { images, imageBytes, checkpoints: slots.length, checkpointBytes };
  }

  async getSetting(key: string): Promise<unknown> {
    return this.db.get('settings', key);
  }

  async setSetting(key: string, value: unknown): Promise<void> {
    try {
      await this.db.put('settings', value, key);
    } catch (err) {
      if (isQuotaError(err)) throw new StorageFullError(`the setting "${key}"`);
      throw err;
    }
  }
}

function isQuotaError(err: unknown): boolean {
  if (!(err instanceof DOMException) && !(err instanceof Error)) return false;
  return err.name === 'QuotaExceededError' || /quota/i.test(err.message);
}
