// Checks a finished run's folder against what the runner promises (for the CI test): every file is
// there and in its format, boxes lie inside their images (sizes from run.json, and for the demo
// also from its annotations), predictions are at most 100 per image and best first, metrics.jsonl
// has one line per step, the weights are a safetensors file of the detector. Throws on the first
// problem, naming the file and the field.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../../src/core/safetensors';
import type { CocoFileResult } from './outputs';
import { OUTPUT_FILES } from './outputs';
import type { RunRecord } from './record';
import { readResultsFile } from './resultsFile';

export interface MetricsRow {
  step: number;
  round: number;
  losses: { total: number; class: number; l1: number; giou: number };
  lr: number;
  gradNorm: number;
  msPerStep: number;
  matchMs: number;
}

const fail = (where: string, what: string): never => {
  throw new Error(`${where}: ${what}`);
};

export function readRun(out: string): RunRecord {
  const json: unknown = JSON.parse(readFileSync(join(out, OUTPUT_FILES.run), 'utf8'));
  if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== 'simdetr-studio.pretrain-run') {
    fail(join(out, OUTPUT_FILES.run), 'expected a run record with format "simdetr-studio.pretrain-run"');
  }
  return json as RunRecord;
}

export function readMetrics(out: string): MetricsRow[] {
  const path = join(out, OUTPUT_FILES.metrics);
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    const row: unknown = JSON.parse(line);
    const r = row as Partial<MetricsRow>;
    const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    const ok = finite(r.step) && finite(r.round) && finite(r.lr) && finite(r.gradNorm) && finite(r.msPerStep) && finite(r.matchMs) &&
      typeof r.losses === 'object' && r.losses !== null && ['total', 'class', 'l1', 'giou'].every((k) => finite((r.losses as Record<string, unknown>)[k]));
    if (!ok) fail(`${path}:${i + 1}`, `expected {step, round, losses {total, class, l1, giou}, lr, gradNorm, msPerStep, matchMs} of finite numbers, got ${line}`);
    return row as MetricsRow;
  });
}

/** True boxes' image sizes by file name, for a demo run. */
function demoSizes(annotations: string): Map<string, { width: number; height: number }> {
  const json = JSON.parse(readFileSync(annotations, 'utf8')) as { images: { file_name: string; width: number; height: number }[] };
  return new Map(json.images.map((im) => [im.file_name, { width: im.width, height: im.height }]));
}

export function checkOutputs(out: string, want: { rounds: number; stepsPerRound: number; backend: string; annotations?: string }): void {
  const run = readRun(out);
  const where = join(out, OUTPUT_FILES.run);
  if (run.status !== 'done') fail(where, `expected status "done", got ${run.status} (${run.error ?? ''})`);
  if (run.backend.used !== want.backend) fail(where, `expected backend.used ${want.backend}, got ${run.backend.used}`);
  const images = run.dataset?.images ?? fail(where, 'expected dataset.images');
  const sizes = new Map(images.map((im) => [im.file_name, { width: im.width, height: im.height }]));
  if (want.annotations) {
    for (const [file, size] of demoSizes(want.annotations)) {
      const s = sizes.get(file);
      if (!s || s.width !== size.width || s.height !== size.height) fail(where, `expected ${file} at ${size.width}×${size.height} as in ${want.annotations}, got ${JSON.stringify(s)}`);
    }
  }
  for (const stage of ['build', 'browser', 'ingest', 'proposals', 'training', 'predictions', 'total'] as const) {
    if (!((run.timings[stage] ?? -1) >= 0)) fail(where, `expected timings.${stage} in seconds, got ${run.timings[stage]}`);
  }
  const K = run.proposals?.K ?? fail(where, 'expected proposals.K');
  const ids = new Map(images.map((im) => [im.file_name, im.id]));
  const results = (name: string): CocoFileResult[] => {
    const list = readResultsFile(join(out, name), sizes);
    list.forEach((r, i) => {
      if (ids.get(r.file_name) !== r.image_id) fail(`${name}[${i}]`, `expected image_id ${ids.get(r.file_name)} for ${r.file_name} as in run.json, got ${r.image_id}`);
      if (r.category_id >= K) fail(`${name}[${i}].category_id`, `expected a cluster id below K = ${K}, got ${r.category_id}`);
    });
    return list;
  };
  const proposals = results(OUTPUT_FILES.proposals);
  if (proposals.length !== run.proposals?.count) fail(OUTPUT_FILES.proposals, `expected ${run.proposals?.count} proposals as run.json says, got ${proposals.length}`);
  for (let r = 0; r < want.rounds; r++) results(OUTPUT_FILES.pseudoLabels(r));
  const predictions = results(OUTPUT_FILES.predictions);
  const perImage = new Map<number, number>();
  for (const p of predictions) perImage.set(p.image_id, (perImage.get(p.image_id) ?? 0) + 1);
  if (Math.max(0, ...perImage.values()) > 100) fail(OUTPUT_FILES.predictions, 'expected at most 100 predictions per image');
  if (run.final?.predictions !== predictions.length) fail(where, `expected final.predictions = ${predictions.length}, got ${run.final?.predictions}`);

  const metrics = readMetrics(out);
  const total = want.rounds * want.stepsPerRound;
  metrics.forEach((m, i) => {
    const round = Math.floor(i / want.stepsPerRound);
    if (m.step !== i + 1 || m.round !== round) fail(`${OUTPUT_FILES.metrics}:${i + 1}`, `expected step ${i + 1} of round ${round}, got step ${m.step} of round ${m.round}`);
  });
  if (metrics.length !== total) fail(OUTPUT_FILES.metrics, `expected ${total} lines, got ${metrics.length}`);

  const weights = readSafetensors(new Uint8Array(readFileSync(join(out, OUTPUT_FILES.weights))));
  if (weights.metadata.format !== 'simdetr-studio.detr') fail(OUTPUT_FILES.weights, `expected metadata format "simdetr-studio.detr", got ${weights.metadata.format}`);
  const head = weights.tensors.get('class_embed.weight') ?? fail(OUTPUT_FILES.weights, 'expected a class_embed.weight tensor');
  if (head.shape[1] !== K + 1) fail(OUTPUT_FILES.weights, `expected class_embed.weight [D, K + 1 = ${K + 1}], got [${head.shape.join(', ')}]`);
}

/** Two results files with the same boxes in the same order, scores and boxes within `tol` (relative). */
export function sameResults(a: string, b: string, tol: number): void {
  const [x, y] = [readResultsFile(a), readResultsFile(b)];
  if (x.length !== y.length) fail(b, `expected ${x.length} entries as in ${a}, got ${y.length}`);
  x.forEach((r, i) => {
    const s = y[i] ?? fail(b, `entry ${i} missing`);
    const close = (u: number, v: number) => Math.abs(u - v) <= tol * Math.max(1, Math.abs(u));
    const same = r.file_name === s.file_name && r.category_id === s.category_id && close(r.score, s.score) && r.bbox.every((v, j) => close(v, s.bbox[j] ?? NaN));
    if (!same) fail(`${b}[${i}]`, `expected ${JSON.stringify(r)} as in ${a} (within ${tol}), got ${JSON.stringify(s)}`);
  });
}
