// `npm run eval:proposals`: class-agnostic quality of the stage-1 semantic proposals on the demo's
// boxes — recall@10, recall@30, CorLoc and AP50 at IoU 0.5 — next to two baselines scored by the
// same code: seeded random boxes and a multi-scale grid, both as many per image as the proposal cap.
// Exits 1 when the proposals do not beat both baselines on recall@30 and AP50 by the margin.
//
// Everything happens in the app's resized pixels (short side 320): the proposals come from there and
// the GT boxes are scaled into them. The encoder runs in worker processes (pool.ts). Usage:
//   tsx scripts/eval/proposals.ts [--limit N] [--seed S] [--margin M] [--workers W] [--json out.json]
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PROPOSAL_CONFIG } from '../../src/core/proposalConfig';
import { DEFAULT_GRID, gridBoxes, randomBoxes, type EvalImage, type ImageSize } from '../../src/core/proposalEval';
import { mixSeed } from '../../src/core/rng';
import { DEFAULT_LIMITS } from '../../src/worker/ingest';
import { DEMO_DIR, evalConfig, readCoco, resizedGts } from './demoSet';
import { proposeAll } from './pool';
import { bucketCounts, measure, table, verdict } from './report';

interface Options {
  limit: number;
  seed: number;
  margin: number;
  workers: number;
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { limit: { type: 'string' }, seed: { type: 'string' }, margin: { type: 'string' }, workers: { type: 'string' }, json: { type: 'string' } },
  });
  const int = (name: string, v: string | undefined, fallback: number, lo: number, hi: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name}: expected an integer in [${lo}, ${hi}], got ${v}`);
    return n;
  };
  // 0.02 sits above the sampling noise of AP50 over the demo's 80 images (a bootstrap over images
  // put the proposals' AP50 at 0.054, 95% interval 0.038–0.077), so a pass is not luck of the draw.
  const margin = values.margin === undefined ? 0.02 : Number(values.margin);
  if (!Number.isFinite(margin) || margin < 0 || margin > 1) throw new Error(`--margin: expected a number in [0, 1], got ${values.margin}`);
  return {
    limit: int('limit', values.limit, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER),
    seed: int('seed', values.seed, DEFAULT_PROPOSAL_CONFIG.seed, 0, 0xffffffff),
    margin,
    // One encoder per core; each process holds its own copy of the weights.
    workers: int('workers', values.workers, Math.min(availableParallelism(), 8), 1, 64),
    json: values.json ?? null,
  };
}

interface Collected {
  sizes: ImageSize[];
  semantic: EvalImage[];
  random: EvalImage[];
  grid: EvalImage[];
  seconds: number;
  workerSeconds: number;
  leaked: number;
}

async function collect(opts: Options): Promise<Collected> {
  const cfg = evalConfig(opts.seed);
  const entries = readCoco(join(DEMO_DIR, 'annotations.json')).slice(0, opts.limit);
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  const progress = (r: { seconds: number; index: number }, done: number): void => {
    if (done % 10 !== 0 && done !== entries.length) return;
    const file = entries[r.index]?.file ?? '?';
    process.stderr.write(`[${done}/${entries.length}] ${(elapsed() / done).toFixed(2)} s/image wall, last ${file} ${r.seconds.toFixed(2)} s in its worker\n`);
  };
  const { results, leaked } = await proposeAll(entries.length, opts.workers, opts.seed, progress);
  const out: Collected = { sizes: [], semantic: [], random: [], grid: [], seconds: elapsed(), workerSeconds: 0, leaked };
  for (const r of results) {
    const entry = entries[r.index];
    if (!entry) throw new Error(`expected a result for one of ${entries.length} images, got index ${r.index}`);
    const size = { width: r.width, height: r.height };
    const gts = resizedGts(entry, size);
    out.sizes.push(size);
    out.semantic.push({ gts, dets: r.dets });
    // Per-image seeds, so an image's random boxes do not depend on --limit.
    out.random.push({ gts, dets: randomBoxes(size, cfg.maxPerImage, mixSeed(opts.seed, r.index), cfg.minAreaFrac, cfg.maxAreaFrac) });
    out.grid.push({ gts, dets: gridBoxes(size, cfg.maxPerImage) });
    out.workerSeconds += r.seconds;
  }
  return out;
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const cfg = evalConfig(opts.seed);
  const data = await collect(opts);
  const results = [
    measure('semantic', data.semantic, data.sizes),
    measure('random', data.random, data.sizes),
    measure('grid', data.grid, data.sizes),
  ];
  const numGts = data.semantic.reduce((n, im) => n + im.gts.length, 0);
  const first = data.sizes[0];
  console.log(
    `Class-agnostic proposal quality, ${DEMO_DIR}: ${data.sizes.length} images, ${numGts} GT boxes, IoU 0.5, ` +
      `images at ${first?.width}×${first?.height} (short side ${DEFAULT_LIMITS.shortSide}), ≤${cfg.maxPerImage} boxes/image, seed ${opts.seed}`,
  );
  console.log(table(results, bucketCounts(data.semantic, data.sizes)));
  const failures = verdict(results, opts.margin);
  console.log(failures.length === 0 ? `PASS: semantic beats random and grid on R@30 and AP50 by ≥ ${opts.margin}` : `FAIL: ${failures.join('; ')}`);
  const n = data.sizes.length;
  process.stderr.write(
    `${data.seconds.toFixed(1)} s wall for ${n} images on ${Math.min(opts.workers, n)} workers ` +
      `(${(data.workerSeconds / n).toFixed(2)} s/image in a worker), ${data.leaked} tensors leaked\n`,
  );
  if (opts.json !== null) {
    const perImage = data.semantic.map((im, i) => ({ size: data.sizes[i], gts: im.gts, proposals: im.dets }));
    const report = { config: cfg, grid: DEFAULT_GRID, margin: opts.margin, seconds: data.seconds, results, failures, perImage };
    writeFileSync(opts.json, `${JSON.stringify(report, null, 1)}\n`);
  }
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`eval:proposals: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
