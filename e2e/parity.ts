// Runs the proposal stage in Node on the CPU backend over exactly the pixels the browser's
// worker used (read back from the studio's IndexedDB cache and decoded in the page the way the
// worker decodes them), and compares the two runs.

import * as tf from '@tensorflow/tfjs';
import type { Page } from '@playwright/test';
import type { ProposalConfig } from '../src/core/proposalConfig';
import { clusterProposals, proposeImage } from '../src/core/proposalStage';
import { loadEncoderInNode } from '../src/testing/nodeEncoder';

export interface RunImage {
  imageId: string;
  width: number;
  height: number;
  rgbaBase64: string;
  boxes: number[];
  clusters: number[];
}

export interface BrowserRun {
  config: ProposalConfig;
  K: number;
  images: RunImage[];
}

/** The saved run and each image's cached pixels, straight from the page's IndexedDB. */
export async function readBrowserRun(page: Page): Promise<BrowserRun> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('simdetr-studio');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const get = <T,>(store: string, key: string) =>
      new Promise<T>((ok, fail) => {
        const r = db.transaction(store).objectStore(store).get(key);
        r.onsuccess = () => ok(r.result as T);
        r.onerror = () => fail(r.error);
      });
    type Saved = { config: ProposalConfig; K: number; images: { imageId: string; boxes: Float32Array; clusters: Int32Array }[] };
    const run = await get<Saved>('proposals', 'current');
    const images = [];
    for (const im of run.images) {
      const record = await get<{ pixels: Blob }>('images', im.imageId);
      const bitmap = await createImageBitmap(record.pixels);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new Error('no 2-D context');
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let binary = '';
      for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
      images.push({
        imageId: im.imageId, width: bitmap.width, height: bitmap.height, rgbaBase64: btoa(binary),
        boxes: Array.from(im.boxes), clusters: Array.from(im.clusters),
      });
    }
    return { config: run.config, K: run.K, images };
  });
}

/** The same stage in Node on the CPU backend; returns boxes and clusters per image. */
export async function nodeRun(run: BrowserRun): Promise<{ boxes: number[][]; clusters: number[][]; K: number }> {
  await tf.setBackend('cpu');
  const encoder = loadEncoderInNode();
  const boxes: number[][] = [];
  const embeddings: Float32Array[] = [];
  let channels = 0;
  for (const im of run.images) {
    const data = new Uint8Array(Buffer.from(im.rgbaBase64, 'base64'));
    const r = await proposeImage(encoder, { width: im.width, height: im.height, data }, run.config);
    boxes.push(r.proposals.flatMap((p) => [...p.box]));
    embeddings.push(r.embeddings);
    channels = r.channels;
  }
  const labels = await clusterProposals(embeddings, channels, run.config);
  const clusters: number[][] = [];
  let offset = 0;
  for (const b of boxes) {
    clusters.push(Array.from(labels.clusterIds.slice(offset, offset + b.length / 4)));
    offset += b.length / 4;
  }
  return { boxes, clusters, K: labels.K };
}

/** Largest absolute coordinate difference, or Infinity when the proposal counts differ. */
export function maxBoxDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? Infinity))), 0);
}

/** Labels a and b are the same partition iff the pairing label→label is one-to-one. */
export function samePartition(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}
