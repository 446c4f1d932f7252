// Class-agnostic COCO AP of a finished demo run's boxes against the demo's true boxes
// (public/demo/annotations.json): its proposals (round 0's boxes), the pseudo-labels of every round
// and the final detector's predictions, matched to the true images by file name.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cocoEvaluate, type CocoEvalResult } from '../../src/core/cocoEval';
import { parseCocoDataset } from '../../src/core/cocoFormat';
import { ROOT } from './app';
import { OUTPUT_FILES } from './outputs';
import { readResultsFile } from './resultsFile';

export const ANNOTATIONS = join(ROOT, 'public', 'demo', 'annotations.json');

export interface EvalRow {
  file: string;
  results: number;
  metrics: CocoEvalResult;
}

/** AP of every box file of the run in `out` that exists (a run may have stopped early), in pipeline order. */
export function evaluateRun(out: string): EvalRow[] {
  const parsed = parseCocoDataset(JSON.parse(readFileSync(ANNOTATIONS, 'utf8')) as unknown);
  if (!parsed.ok) throw new Error(`${ANNOTATIONS}: ${parsed.errors.join('; ')}`);
  const gt = parsed.dataset;
  const idOf = new Map(gt.images.map((im) => [im.file_name, im.id]));
  const sizes = new Map(gt.images.map((im) => [im.file_name, { width: im.width, height: im.height }]));
  const files: string[] = [OUTPUT_FILES.proposals];
  for (let r = 0; existsSync(join(out, OUTPUT_FILES.pseudoLabels(r))); r++) files.push(OUTPUT_FILES.pseudoLabels(r));
  files.push(OUTPUT_FILES.predictions);
  if (!existsSync(join(out, OUTPUT_FILES.proposals))) throw new Error(`${join(out, OUTPUT_FILES.proposals)}: missing; did the run get past its proposals? (see run.json)`);
  return files.filter((file) => existsSync(join(out, file))).map((file) => {
    const path = join(out, file);
    const results = readResultsFile(path, sizes).map((r) => ({ ...r, image_id: idOf.get(r.file_name) ?? -1 }));
    return { file, results: results.length, metrics: cocoEvaluate(gt, results, { classAgnostic: true }) };
  });
}

/** One line per file: boxes, AP50, AP and AR100 in percent. */
export function formatRows(rows: readonly EvalRow[]): string {
  const pct = (v: number) => (Number.isNaN(v) ? '   n/a' : (v * 100).toFixed(2).padStart(6));
  const lines = [`${'file'.padEnd(26)} ${'boxes'.padStart(6)}   AP50     AP  AR100`];
  for (const r of rows) lines.push(`${r.file.padEnd(26)} ${String(r.results).padStart(6)} ${pct(r.metrics.ap50)} ${pct(r.metrics.ap)} ${pct(r.metrics.ar100)}`);
  return lines.join('\n');
}
