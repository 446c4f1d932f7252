// npm run pretrain end to end, as CI runs it: the demo run (tiny preset, 20 steps, 1 self-training
// round, wasm backend) writes every output in its format with boxes inside their images; the same
// run killed (SIGKILL) mid-training and started again with --resume ends on the same final metrics,
// proposals and predictions; missing, empty and broken --images folders end with a message, a
// non-zero exit and a run.json saying why. The runs go two at a time: wasm trains on one core.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bestClasses, DEFAULT_CLASS_SHARE } from '../../src/core/classSelection';
import { readSafetensors } from '../../src/core/safetensors';
import { CONFIG_METADATA_KEY } from '../../src/worker/runArchive';
import { parseTrainingConfig } from '../../src/worker/trainingConfigSchema';
import { builtApp, ROOT } from './app';
import { ANNOTATIONS, evaluateRun, formatRows } from './apEval';
import { checkOutputs, readMetrics, readRun, sameResults } from './checkOutputs';
import { scoredClasses, type CocoFileResult } from './outputs';
import { readResultsFile } from './resultsFile';

const CLI = join(ROOT, 'scripts', 'pretrain', 'cli.ts');
const DEMO = ['--demo', '--preset', 'tiny', '--steps', '20', '--rounds', '1', '--backend', 'wasm'];
const TMP = mkdtempSync(join(tmpdir(), 'simdetr-pretrain-'));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
}

/** Runs the CLI in its own Node process; `killWhen` is polled and SIGKILLs it once true. */
function pretrain(args: string[], killWhen?: () => boolean): Promise<Ended> {
  const start = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const poll = killWhen ? setInterval(() => killWhen() && child.kill('SIGKILL'), 200) : null;
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, stderr, seconds: (performance.now() - start) / 1000 });
    });
  });
}

const lastStep = (out: string): number => (existsSync(join(out, 'metrics.jsonl')) ? (readMetrics(out).at(-1)?.step ?? 0) : 0);

beforeAll(async () => {
  await builtApp(); // once, before runs in parallel would each build it
}, 300_000);

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe.concurrent('npm run pretrain', () => {
  test('the demo run writes every output in its format; killed and resumed, it ends the same', async () => {
    const full = join(TMP, 'full');
    const killed = join(TMP, 'killed');
    // Step 13 is past the checkpoint of step 10 (tiny saves every 5), so the resume replays steps.
    const killAndResume = async () => {
      const b = await pretrain([...DEMO, '--out', killed, '--port', '4186'], () => lastStep(killed) >= 13);
      return { b, killedAt: lastStep(killed), resumed: await pretrain(['--resume', killed]) };
    };
    const [a, { b, killedAt, resumed }] = await Promise.all([pretrain([...DEMO, '--out', full, '--port', '4185']), killAndResume()]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.signal, b.stderr).toBe('SIGKILL');
    expect(resumed.code, resumed.stderr).toBe(0);
    console.log(`pretrain --demo: ${a.seconds.toFixed(0)} s; the other run killed at step ${killedAt} after ${b.seconds.toFixed(0)} s, resumed in ${resumed.seconds.toFixed(0)} s`);

    checkOutputs(full, { rounds: 2, stepsPerRound: 20, backend: 'wasm', annotations: ANNOTATIONS });
    checkOutputs(killed, { rounds: 2, stepsPerRound: 20, backend: 'wasm' });
    // The weights carry their training config, so npm run finetune can start from the file alone.
    const { metadata } = readSafetensors(new Uint8Array(readFileSync(join(full, 'model.safetensors'))));
    expect(parseTrainingConfig(JSON.parse(metadata[CONFIG_METADATA_KEY] ?? 'null'))).toMatchObject({ preset: 'tiny', stepsPerRound: 20, extraRounds: 1 });
    const run = readRun(killed);
    expect(run.sessions.length).toBe(2);
    const from = run.sessions[1]?.resumedFromStep ?? -1;
    expect(from % 5, 'resumed from a checkpoint').toBe(0);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(13);

    const [lastFull, lastResumed] = [readMetrics(full).at(-1), readMetrics(killed).at(-1)];
    console.log(`final metrics, uninterrupted: ${JSON.stringify(lastFull?.losses)}; resumed from step ${from}: ${JSON.stringify(lastResumed?.losses)}`);
    expect(lastResumed?.step).toBe(40);
    for (const key of ['total', 'class', 'l1', 'giou'] as const) {
      expect(lastResumed?.losses[key]).toBeCloseTo(lastFull?.losses[key] ?? NaN, 4);
    }
    expect(readFileSync(join(killed, 'proposals.json'), 'utf8'), 'same seed: same proposals and clusters').toBe(readFileSync(join(full, 'proposals.json'), 'utf8'));
    // Round 0 trains on the proposals of the best-scoring share of the pseudo-classes, no others.
    const proposals = readResultsFile(join(full, 'proposals.json'));
    const kept = bestClasses([scoredClasses(proposals)], DEFAULT_CLASS_SHARE);
    const key = (r: CocoFileResult) => `${r.file_name} ${r.bbox.join(' ')} ${r.category_id}`;
    const labels = readResultsFile(join(full, 'pseudo_labels_round0.json')).map(key).sort();
    expect(kept.size).toBeLessThan(new Set(proposals.map((r) => r.category_id)).size);
    expect(labels).toEqual(proposals.filter((r) => kept.has(r.category_id)).map(key).sort());
    sameResults(join(full, 'predictions.json'), join(killed, 'predictions.json'), 1e-3);
    console.log(`class-agnostic AP of the demo run against ${ANNOTATIONS}:\n${formatRows(evaluateRun(full))}`);
  }, 900_000);

  test('missing, empty and broken --images folders fail with a reason in run.json', async () => {
    const empty = join(TMP, 'empty-folder');
    const broken = join(TMP, 'broken-folder');
    mkdirSync(empty, { recursive: true });
    mkdirSync(join(broken, 'nested'), { recursive: true });
    writeFileSync(join(broken, 'empty.jpg'), new Uint8Array(0));
    writeFileSync(join(broken, 'nested', 'notes.png'), 'not a picture');
    const jpeg = readFileSync(join(ROOT, 'public', 'demo', 'images', 'scene_000.jpg'));
    writeFileSync(join(broken, 'nested', 'cut.jpg'), jpeg.subarray(0, 600));
    const cases = [
      { images: join(TMP, 'no-such-folder'), out: join(TMP, 'out-missing'), stage: 'images', says: /no such folder/ },
      { images: empty, out: join(TMP, 'out-empty'), stage: 'images', says: /is empty/ },
      { images: broken, out: join(TMP, 'out-broken'), stage: 'ingest', says: /none of its 3 files is a usable image/ },
    ];
    const ended = await Promise.all(cases.map((c) => pretrain(['--images', c.images, '--out', c.out, '--preset', 'tiny', '--backend', 'wasm', '--port', '4187'])));
    cases.forEach((c, i) => {
      const e = ended[i];
      expect(e?.code, e?.stderr).toBe(1);
      expect(e?.stderr).toMatch(c.says);
      const run = readRun(c.out);
      expect(run.status).toBe('failed');
      expect(run.failedStage).toBe(c.stage);
      expect(run.error).toMatch(c.says);
    });
    const skipped = readRun(join(TMP, 'out-broken')).skipped;
    expect(skipped.map((s) => s.path).sort()).toEqual(['broken-folder/empty.jpg', 'broken-folder/nested/cut.jpg', 'broken-folder/nested/notes.png']);
    expect(skipped.every((s) => s.reason.length > 0 && s.message.length > 0)).toBe(true);
  }, 300_000);
});
