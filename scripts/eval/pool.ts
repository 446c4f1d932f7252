// Runs the proposal stage over the demo images in several Node processes: the tfjs CPU backend is
// single-threaded and the encoder takes seconds per image, so one process per core divides the
// wall time. Image i goes to worker i mod N; proposals depend only on the image and the seed, so
// the split changes nothing in the results. Messages from the workers are unknown until narrowed.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boxXyxy } from '../../src/core/boxes';
import type { ScoredBox } from '../../src/core/proposalEval';

export interface ImageResult {
  index: number;
  width: number;
  height: number;
  /** Proposals best first, in the resized image's pixels. */
  dets: ScoredBox[];
  /** Reading, resizing and proposing this image, in its worker. */
  seconds: number;
}

/** What a worker sends: one message per image, then `done` (or `error`). Boxes as [x0, y0, x1, y1, score]. */
export type WorkerMessage =
  | { type: 'image'; index: number; width: number; height: number; boxes: number[][]; seconds: number }
  | { type: 'done'; leaked: number }
  | { type: 'error'; message: string };

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function toResult(m: Record<string, unknown>): ImageResult {
  const { index, width, height, boxes, seconds } = m;
  const isRow = (r: unknown): r is [number, number, number, number, number] => Array.isArray(r) && r.length === 5 && r.every(isNum);
  if (!isNum(index) || !isNum(width) || !isNum(height) || !isNum(seconds) || !Array.isArray(boxes) || !boxes.every(isRow)) {
    throw new Error(`expected an image message with index, width, height, seconds and [x0, y0, x1, y1, score] rows, got ${JSON.stringify(m).slice(0, 200)}`);
  }
  const dets = boxes.map(([x0, y0, x1, y1, score]) => ({ box: boxXyxy(x0, y0, x1, y1), score }));
  return { index, width, height, dets, seconds };
}

type Parsed = { type: 'image'; result: ImageResult } | { type: 'done'; leaked: number } | { type: 'error'; message: string };

function parseMessage(m: unknown): Parsed {
  if (typeof m !== 'object' || m === null) throw new Error(`expected a worker message object, got ${String(m)}`);
  const o = m as Record<string, unknown>;
  if (o.type === 'image') return { type: 'image', result: toResult(o) };
  if (o.type === 'done' && isNum(o.leaked)) return { type: 'done', leaked: o.leaked };
  if (o.type === 'error' && typeof o.message === 'string') return { type: 'error', message: o.message };
  throw new Error(`expected an image, done or error message, got ${JSON.stringify(m).slice(0, 200)}`);
}

const WORKER = fileURLToPath(new URL('./proposeWorker.ts', import.meta.url));

/** Proposals of images [0, count) in index order, from `workers` processes; tensors leaked, summed. */
export function proposeAll(
  count: number,
  workers: number,
  seed: number,
  onImage: (r: ImageResult, done: number) => void,
): Promise<{ results: ImageResult[]; leaked: number }> {
  const n = Math.max(1, Math.min(workers, count));
  const results: (ImageResult | undefined)[] = new Array<ImageResult | undefined>(count);
  const children: ChildProcess[] = [];
  let [done, finished, leaked] = [0, 0, 0];
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => {
      for (const c of children) if (c.exitCode === null) c.kill();
      reject(error);
    };
    for (let shard = 0; shard < n; shard++) {
      const args = ['--shard', String(shard), '--shards', String(n), '--count', String(count), '--seed', String(seed)];
      const child = fork(WORKER, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      let sentDone = false;
      child.on('message', (raw: unknown) => {
        try {
          const m = parseMessage(raw);
          if (m.type === 'error') throw new Error(`worker ${shard}: ${m.message}`);
          if (m.type === 'image') return onImage((results[m.result.index] = m.result), ++done);
          [sentDone, leaked] = [true, leaked + m.leaked];
          if (++finished < n) return;
          const missing = results.findIndex((r) => r === undefined);
          if (missing >= 0) throw new Error(`expected proposals for every image, got none for image ${missing}`);
          resolve({ results: results.filter((r): r is ImageResult => r !== undefined), leaked });
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      });
      // 'close' comes after the IPC channel has closed, so every message has been handled by then.
      child.on('close', (code) => {
        if (code !== 0 || !sentDone) fail(new Error(`worker ${shard}: expected exit code 0 after its last message, got ${code}${sentDone ? '' : ' and no done message'}`));
      });
    }
  });
}
