// npm run pretrain:eval -- <out> — class-agnostic AP50 of a finished demo run's proposals,
// pseudo-labels and predictions against the demo's true boxes (apEval.ts), one line each.
// `--expect-better` exits 1 unless the predictions beat the proposals at AP50.

import { ANNOTATIONS, evaluateRun, formatRows } from './apEval';
import { OUTPUT_FILES } from './outputs';

function main(): number {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--'));
  if (!out) {
    process.stderr.write('usage: npm run pretrain:eval -- <out of a --demo run> [--expect-better]\n');
    return 2;
  }
  const rows = evaluateRun(out);
  process.stdout.write(`class-agnostic COCO AP against ${ANNOTATIONS}\n${formatRows(rows)}\n`);
  const proposals = rows[0]?.metrics.ap50 ?? NaN;
  const last = rows.at(-1);
  if (last?.file !== OUTPUT_FILES.predictions) {
    process.stdout.write('no predictions.json yet: the run has not finished (see run.json)\n');
    return args.includes('--expect-better') ? 1 : 0;
  }
  const predictions = last.metrics.ap50;
  const verdict = predictions > proposals ? 'beat' : 'do not beat';
  process.stdout.write(`predictions ${verdict} proposals at AP50: ${(predictions * 100).toFixed(2)} vs ${(proposals * 100).toFixed(2)}\n`);
  return args.includes('--expect-better') && !(predictions > proposals) ? 1 : 0;
}

process.exitCode = main();
