// The runner's pure parts, without a browser: the command line and config file become the plan the
// studio would run (or a message naming the bad flag or field), and boxes on the cached copies become
// COCO results in original pixels, inside the image, best first, that the format check accepts.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NO_AUGMENT } from '../../src/core/augment';
import { DEFAULT_CLASS_SHARE } from '../../src/core/classSelection';
import { detrPreset } from '../../src/core/detrConfig';
import { parseOptions, UsageError } from './options';
import { imageIndex, toCocoFile } from './outputs';
import { makePlan } from './plan';
import { checkResults } from './resultsFile';

const plan = (args: string[]) => makePlan(parseOptions(args));

describe('command line', () => {
  test('the flags become the studio config of the preset', () => {
    const p = plan(['--demo', '--out', 'x', '--preset', 'tiny', '--steps', '20', '--rounds', '1', '--seed', '7', '--backend', 'wasm']);
    expect(p.training.stepsPerRound).toBe(20);
    expect(p.training.extraRounds).toBe(1);
    expect(p.training.detr).toEqual({ ...detrPreset('tiny'), seed: 7 });
    expect(p.proposals.seed).toBe(7);
    expect(p.backend).toBe('wasm');
    expect(p.cacheSize).toBe(128);
    expect(p.predictions).toEqual({ scoreThreshold: 0, nmsIou: 0.7, maxPerImage: 100 });
  });

  test('mistakes name the flag, what it expects and what came', () => {
    expect(() => parseOptions(['--demo', '--out', 'x', '--steps', 'ten'])).toThrow(/--steps: expected a whole number from 1 to 10000000, got "ten"/);
    expect(() => parseOptions(['--demo', '--out', 'x', '--backend', 'cuda'])).toThrow(/--backend: expected auto \| webgpu \| webgl \| wasm \| cpu, got "cuda"/);
    expect(() => parseOptions(['--demo', '--images', 'y', '--out', 'x'])).toThrow(UsageError);
    expect(() => parseOptions(['--demo'])).toThrow(/--out <dir>/);
    expect(() => parseOptions(['--resume', 'x', '--steps', '5'])).toThrow(/drop --steps/);
    expect(() => parseOptions(['--demo', '--out', 'x', '--frobnicate'])).toThrow(/unknown argument "--frobnicate"/);
  });

  test('a config file merges over the preset, flags over the file, and bad fields are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretrain-plan-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ preset: 'tiny', stepsPerRound: 7, detr: { numQueries: 40, optim: { lr: 3e-4 } }, proposals: { numClusters: 16 } }));
    const p = plan(['--demo', '--out', 'x', '--config', file, '--steps', '9']);
    expect(p.training.stepsPerRound).toBe(9);
    expect(p.training.detr.numQueries).toBe(40);
    expect(p.training.detr.optim.lr).toBe(3e-4);
    expect(p.training.detr.optim.lrBackbone).toBe(detrPreset('tiny').optim.lrBackbone);
    expect(p.proposals.numClusters).toBe(16);
    writeFileSync(file, JSON.stringify({ detr: { transformer: { dModel: 30 } } }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/transformer\.dModel: expected a multiple of 4/);
    writeFileSync(file, JSON.stringify({ stepz: 3 }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/stepz: unknown field/);
    writeFileSync(file, JSON.stringify({ predictions: { scoreThreshold: 2 } }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/predictions\.scoreThreshold: expected a number in \[0, 1\], got 2/);
    expect(plan(['--demo', '--out', 'x']).training.augment).toEqual(NO_AUGMENT);
    writeFileSync(file, JSON.stringify({ augment: { flip: true } }));
    expect(plan(['--demo', '--out', 'x', '--config', file]).training.augment).toEqual({ flip: true, cropMinScale: 1 });
    writeFileSync(file, JSON.stringify({ augment: { cropMinScale: 0.05 } }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/augment\.cropMinScale: expected a number in \[0\.1, 1\] \(1: no crops\), got 0\.05/);
    writeFileSync(file, JSON.stringify({ augment: { rotate: true } }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/augment\.rotate: unknown field/);
    expect(plan(['--demo', '--out', 'x']).training.classShare).toBe(DEFAULT_CLASS_SHARE);
    writeFileSync(file, JSON.stringify({ classShare: 1 }));
    expect(plan(['--demo', '--out', 'x', '--config', file]).training.classShare).toBe(1);
    writeFileSync(file, JSON.stringify({ classShare: 0 }));
    expect(() => plan(['--demo', '--out', 'x', '--config', file])).toThrow(/classShare: expected a number in \(0, 1\] \(1: every pseudo-class\), got 0/);
  });
});

describe('COCO results', () => {
  const images = [
    { id: 'b', path: 'photos/b.jpg', width: 480, height: 360, storedWidth: 171, storedHeight: 128 },
    { id: 'a', path: 'photos/sub/a.jpg', width: 200, height: 400, storedWidth: 128, storedHeight: 256 },
  ];

  test('boxes go to original pixels, clamped into the image, each image best first', () => {
    const index = imageIndex(images);
    const file = toCocoFile(index, [
      { imageId: 'a', boxes: Float32Array.from([0, 0, 64, 64, -10, 250, 140, 300]), scores: Float32Array.from([0.2, 0.9]), classes: Int32Array.from([1, 0]) },
      { imageId: 'b', boxes: Float32Array.from([10, 10, 20, 20]), scores: Float32Array.from([0.5]), classes: Int32Array.from([2]) },
    ], 3);
    expect(file.map((r) => [r.file_name, r.image_id, r.score])).toEqual([['b.jpg', 1, 0.5], ['sub/a.jpg', 2, expect.closeTo(0.9, 6)], ['sub/a.jpg', 2, expect.closeTo(0.2, 6)]]);
    expect(file[1]?.bbox).toEqual([0, 390.63, 200, 9.37]);
    expect(file[2]?.bbox).toEqual([0, 0, 100, 100]);
    const sizes = new Map([['b.jpg', { width: 480, height: 360 }], ['sub/a.jpg', { width: 200, height: 400 }]]);
    expect(checkResults('file', file, sizes)).toHaveLength(3);
  });

  test('the format check names the entry and the field', () => {
    const good = { file_name: 'b.jpg', image_id: 1, bbox: [1, 2, 3, 4], score: 0.5, category_id: 0 };
    const sizes = new Map([['b.jpg', { width: 3, height: 6 }]]);
    expect(() => checkResults('f', [{ ...good, bbox: [1, 2, 3, 0] }])).toThrow(/f\[0\]\.bbox: expected a positive width and height/);
    expect(() => checkResults('f', [good], sizes)).toThrow(/f\[0\]\.bbox: expected a box inside the 3×6 image b\.jpg/);
    expect(() => checkResults('f', [good, { ...good, score: 0.6 }])).toThrow(/f\[1\]\.score: expected the image's entries best first/);
    expect(() => checkResults('f', [{ ...good, extra: 1 }])).toThrow(/f\[0\]: expected exactly file_name, image_id, bbox, score, category_id/);
  });
});
