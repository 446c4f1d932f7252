// npm run finetune as CI runs it, on the wasm backend: the command line's mistakes named; the demo
// with its own boxes as labels fine-tuned from a run's exported weights and from no pretraining,
// with the same split, each writing ap.json and predictions.json in their formats (boxes inside
// their images, the labels' category ids); a labels file that is not COCO, and a folder the labels
// do not describe, end with a message naming what was wrong and a non-zero exit.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detrToSafetensors } from '../../src/core/detrNames';
import { disposeMobileNetV2Weights } from '../../src/core/mobilenetV2';
import { createTrainer, disposeTrainer } from '../../src/core/trainer';
import { defaultTrainingConfig } from '../../src/store/trainingSlice';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { CONFIG_METADATA_KEY } from '../../src/worker/runArchive';
import { builtApp, ROOT } from '../pretrain/app';
import { parseFinetuneOptions, UsageError } from './options';

const CLI = join(ROOT, 'scripts', 'finetune', 'cli.ts');
const TMP = mkdtempSync(join(tmpdir(), 'simdetr-finetune-'));
const QUICK = ['--steps', '2', '--eval-every', '1', '--backend', 'wasm'];

function finetune(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

interface ApFile {
  format: string;
  arm: string;
  ap: number;
  ap50: number;
  ar100: number;
  steps: number;
  seed: number;
  train: string[];
  held: string[];
  missing: string[];
  curve: { step: number }[];
  pretrained: { kind: string; name: string } | null;
}

/** ap.json and predictions.json of `out`, checked against the demo's labels. */
function checkOutputs(out: string): ApFile {
  const ap = JSON.parse(readFileSync(join(out, 'ap.json'), 'utf8')) as ApFile;
  expect(ap.format).toBe('simdetr-studio.finetune');
  for (const v of [ap.ap, ap.ap50, ap.ar100]) expect(v >= 0 && v <= 1, `metric ${v}`).toBe(true);
  expect(ap.steps).toBe(2);
  expect(ap.curve.map((p) => p.step)).toEqual([1, 2]);
  expect(ap.train).toHaveLength(8); // ceil(10 % of 80)
  expect(ap.held).toHaveLength(72);
  expect(new Set([...ap.train, ...ap.held]).size).toBe(80);
  const labels = JSON.parse(readFileSync(join(ROOT, 'public/demo/annotations.json'), 'utf8')) as { images: { id: number; file_name: string; width: number; height: number }[] };
  const images = new Map(labels.images.map((im) => [im.id, im]));
  const held = new Set(ap.held.map((p) => p.split('/').at(-1)));
  const predictions = JSON.parse(readFileSync(join(out, 'predictions.json'), 'utf8')) as { file_name: string; image_id: number; category_id: number; bbox: number[]; score: number }[];
  expect(predictions).toHaveLength(72 * 30); // tiny: 30 queries, no threshold
  for (const p of predictions) {
    const im = images.get(p.image_id);
    expect(im?.file_name).toBe(p.file_name);
    expect(held.has(p.file_name), `${p.file_name} is held out`).toBe(true);
    expect(p.category_id >= 1 && p.category_id <= 12).toBe(true);
    const [x = -1, y = -1, w = -1, h = -1] = p.bbox;
    expect(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= im!.width + 0.01 && y + h <= im!.height + 0.01, `bbox ${p.bbox.join(', ')} in ${p.file_name}`).toBe(true);
    expect(p.score >= 0 && p.score <= 1).toBe(true);
  }
  return ap;
}

let exported = '';

beforeAll(async () => {
  // A detector as `npm run pretrain` writes it: weights with the run's training config in their metadata.
  await switchBackend('wasm');
  const encoder = loadEncoderInNode();
  const config = defaultTrainingConfig('tiny');
  const trainer = createTrainer({ ...config.detr, numClasses: 4 }, encoder);
  exported = join(TMP, 'model.safetensors');
  writeFileSync(exported, await detrToSafetensors(trainer.model, { step: '20', round: '0', [CONFIG_METADATA_KEY]: JSON.stringify(config) }));
  disposeTrainer(trainer);
  disposeMobileNetV2Weights(encoder);
  await builtApp();
}, 300_000);

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('npm run finetune options', () => {
  test('reads the flags, with the defaults of the studio', () => {
    expect(parseFinetuneOptions(['--demo', '--init', 'none', '--out', 'o', '--steps', '40', '--seed', '3'])).toMatchObject({
      source: { kind: 'demo' }, init: 'none', out: 'o', preset: 'tiny', backend: 'auto', port: 4186,
      settings: { steps: 40, seed: 3, trainFraction: 0.1, evalEvery: 40, batchSize: 4, augment: { flip: false, cropMinScale: 1 } },
    });
    expect(parseFinetuneOptions(['--demo', '--init', 'none', '--out', 'o', '--augment', 'flip'])).toMatchObject({ settings: { augment: { flip: true, cropMinScale: 1 } } });
    expect(parseFinetuneOptions(['--images', 'd', '--labels', 'l.json', '--init', 'x.zip', '--out', 'o', '--train-fraction', '0.25'])).toMatchObject({
      source: { kind: 'folder', path: 'd', labels: 'l.json' }, settings: { trainFraction: 0.25 },
    });
  });

  test('names each mistake', () => {
    const bad: [string[], RegExp][] = [
      [['--demo', '--out', 'o'], /--init <export.zip\|model.safetensors> or --init none/],
      [['--images', 'd', '--init', 'none', '--out', 'o'], /--images <dir> --labels <coco.json>, or --demo/],
      [['--demo', '--labels', 'l', '--init', 'none', '--out', 'o'], /--demo, or --images with --labels, not both/],
      [['--demo', '--init', 'none'], /--out <dir>/],
      [['--demo', '--init', 'none', '--out', 'o', '--train-fraction', '1'], /--train-fraction: expected a number between 0 and 1, got "1"/],
      [['--demo', '--init', 'none', '--out', 'o', '--steps', '0'], /--steps: expected a whole number from 1 to 10000000, got "0"/],
      [['--demo', '--init', 'none', '--out', 'o', '--preset', 'huge'], /--preset: expected tiny \| laptop \| paper, got "huge"/],
      [['--demo', '--init', 'none', '--out', 'o', '--augment', 'rotate'], /--augment: expected flip-crop \| flip \| crop \| none, got "rotate"/],
      [['--demo', '--init', 'none', '--out', 'o', '--wat'], /unknown argument "--wat"/],
    ];
    for (const [argv, says] of bad) {
      expect(() => parseFinetuneOptions(argv)).toThrow(UsageError);
      expect(() => parseFinetuneOptions(argv)).toThrow(says);
    }
  });
});

describe.concurrent('npm run finetune', () => {
  test('the demo fine-tunes from exported weights and from none, on the same split', async () => {
    const [from, none] = [join(TMP, 'from-export'), join(TMP, 'from-none')];
    const [a, b] = await Promise.all([
      finetune(['--demo', '--init', exported, '--out', from, '--port', '4188', ...QUICK]),
      finetune(['--demo', '--init', 'none', '--out', none, '--port', '4189', ...QUICK]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [apA, apB] = [checkOutputs(from), checkOutputs(none)];
    expect(apA.arm).toBe('pretrained');
    expect(apA.pretrained).toMatchObject({ kind: 'file', name: 'model.safetensors' });
    expect(apB.arm).toBe('none');
    expect(apB.pretrained).toBeNull();
    expect(apA.train, 'the same seed splits the same way').toEqual(apB.train);
    expect(existsSync(join(from, 'browser-profile'))).toBe(false);
  }, 600_000);

  test('bad labels or a folder they do not describe end with a reason and a non-zero exit', async () => {
    const notCoco = join(TMP, 'not-coco.json');
    writeFileSync(notCoco, JSON.stringify({ images: [{ id: 1, file_name: 'scene_000.jpg' }], annotations: [] }));
    const folder = join(TMP, 'three');
    mkdirSync(folder, { recursive: true });
    for (const name of readdirSync(join(ROOT, 'public/demo/images')).sort().slice(0, 3)) cpSync(join(ROOT, 'public/demo/images', name), join(folder, `other_${name}`));
    const cases = [
      { args: ['--images', folder, '--labels', join(TMP, 'gone.json'), '--init', 'none'], code: 2, says: /--labels .*gone.json: no such file/ },
      { args: ['--images', folder, '--labels', notCoco, '--init', join(TMP, 'gone.zip')], code: 2, says: /--init .*gone.zip: no such file/ },
      { args: ['--images', folder, '--labels', notCoco, '--init', 'none', '--port', '4190'], code: 1, says: /labels: not-coco.json is not COCO detection JSON/ },
      {
        args: ['--images', folder, '--labels', join(ROOT, 'public/demo/annotations.json'), '--init', 'none', '--port', '4191'], code: 1,
        says: /none of the 80 labeled images is in the dataset \(the first is "scene_000.jpg"\)/,
      },
    ];
    const ended = await Promise.all(cases.map((c) => finetune([...c.args, '--out', join(TMP, `bad-${cases.indexOf(c)}`), ...QUICK])));
    cases.forEach((c, i) => {
      expect(ended[i]?.code, ended[i]?.stderr).toBe(c.code);
      expect(ended[i]?.stderr).toMatch(c.says);
      expect(existsSync(join(TMP, `bad-${i}`, 'ap.json'))).toBe(false);
    });
  }, 300_000);
});
