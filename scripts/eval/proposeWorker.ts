// One worker process of scripts/eval/proposals.ts (forked by pool.ts): loads the encoder on the tfjs
// CPU backend and runs the app's proposal stage on its share of the demo images (image i when
// i mod shards = shard), sending each image's proposals to the parent as plain numbers.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMobileNetV2Weights, type MobileNetV2Weights } from '../../src/core/mobilenetV2';
import { proposeImage } from '../../src/core/proposalStage';
import { DEFAULT_LIMITS } from '../../src/worker/ingest';
import { DEMO_DIR, evalConfig, MODEL_DIR, readCoco, readRgba, resizedSize } from './demoSet';
import type { WorkerMessage } from './pool';

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('expected to run as a forked worker with an IPC channel'));
    process.send(m, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function loadEncoder(): MobileNetV2Weights {
  const json: unknown = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));
  const bin = readFileSync(join(MODEL_DIR, 'group1-shard1of1.bin'));
  return loadMobileNetV2Weights(json, [bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)]);
}

function intArg(values: Record<string, string | boolean | undefined>, name: string): number {
  const v = values[name];
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got ${String(v)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { shard: { type: 'string' }, shards: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' } },
  });
  const [shard, shards, count, seed] = ['shard', 'shards', 'count', 'seed'].map((k) => intArg(values, k)) as [number, number, number, number];
  // Prod mode only silences tfjs's "install tfjs-node" banner, which every worker would print.
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu')) || tf.getBackend() !== 'cpu') throw new Error(`expected the cpu backend, got ${tf.getBackend()}`);
  const cfg = evalConfig(seed);
  const encoder = loadEncoder();
  const before = tf.memory().numTensors;
  const entries = readCoco(join(DEMO_DIR, 'annotations.json')).slice(0, count);
  for (const [index, entry] of entries.entries()) {
    if (index % shards !== shard) continue;
    const start = performance.now();
    const size = resizedSize(entry, DEFAULT_LIMITS.shortSide);
    const { proposals } = await proposeImage(encoder, await readRgba(join(DEMO_DIR, 'images'), entry, size), cfg);
    const boxes = proposals.map(({ box, score }) => [...box, score]);
    await send({ type: 'image', index, ...size, boxes, seconds: (performance.now() - start) / 1000 });
  }
  await send({ type: 'done', leaked: tf.memory().numTensors - before });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    await send({ type: 'error', message }).catch(() => process.stderr.write(`proposeWorker: ${message}\n`));
    process.exit(1);
  },
);
