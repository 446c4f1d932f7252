// The exported weights read by an independent reader: scripts/python/check_safetensors.py (Python 3 +
// numpy) checks a real tiny DETR's file against a reference computed here from the model's variables,
// and refuses damaged copies. CI installs python3-numpy; without it this test fails, on purpose.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, disposeDetr, type DetrModel } from './detr';
import { detrPreset } from './detrConfig';
import { detrToSafetensors, namedDetrVariables } from './detrNames';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { loadEncoderInNode } from '../testing/nodeEncoder';

const SCRIPT = fileURLToPath(new URL('../../scripts/python/check_safetensors.py', import.meta.url));

let encoder: MobileNetV2Weights;
let model: DetrModel;
let dir: string;
let bytes: Uint8Array;
let reference: Record<string, unknown>;

function check(weights: Uint8Array, ref: unknown = reference): { status: number | null; stdout: string; stderr: string } {
  writeFileSync(join(dir, 'w.safetensors'), weights);
  writeFileSync(join(dir, 'ref.json'), JSON.stringify(ref));
  const r = spawnSync('python3', [SCRIPT, join(dir, 'w.safetensors'), join(dir, 'ref.json')], { encoding: 'utf8' });
  if (r.error) throw new Error(`could not run python3: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Byte offset in the file of the first value of tensor `name`. */
function dataOffset(file: Uint8Array, name: string): number {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, { data_offsets: [number, number] }>;
  const entry = header[name];
  if (!entry) throw new Error(`no tensor ${name} in the file`);
  return 8 + n + entry.data_offsets[0];
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
  model = buildDetr({ ...detrPreset('tiny'), numClasses: 4, numQueries: 6 }, encoder);
  dir = mkdtempSync(join(tmpdir(), 'simdetr-safetensors-'));
  bytes = await detrToSafetensors(model, { run: 'python-check' });
  reference = { __metadata__: { run: 'python-check', num_classes: '4', format: 'simdetr-studio.detr' } };
  for (const [name, v] of namedDetrVariables(model)) {
    const values = await v.data<'float32'>();
    reference[name] = { shape: v.shape, sum: values.reduce((a, b) => a + b, 0), first: Array.from(values.subarray(0, 8)) };
  }
});
afterAll(() => {
  disposeDetr(model);
  disposeMobileNetV2Weights(encoder);
  rmSync(dir, { recursive: true, force: true });
});

describe('check_safetensors.py on an exported DETR', () => {
  it('accepts the file and counts every tensor', () => {
    const named = namedDetrVariables(model);
    const values = named.reduce((n, [, v]) => n + v.size, 0);
    const r = check(bytes);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`OK: ${named.length} tensors, ${values} values`);
  });

  it('finds a changed value', () => {
    const bad = bytes.slice();
    const at = dataOffset(bad, 'class_embed.weight') + 3; // the sign/exponent byte of the first value
    bad[at] = (bad[at] ?? 0) ^ 0x40;
    const r = check(bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MISMATCH class_embed\.weight: expected first values/);
  });

  it('finds a damaged header and a truncated file', () => {
    const bad = bytes.slice();
    const at = Buffer.from(bad.buffer).indexOf('"F32"');
    bad.set(new TextEncoder().encode('"F16"'), at);
    const r1 = check(bad);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/INVALID .*\.dtype: expected F32, got 'F16'/);
    const r2 = check(bytes.slice(0, -4));
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/INVALID .*truncated/);
  });

  it('finds a name the reference expects and a metadata value that differ', () => {
    const r = check(bytes, { ...reference, 'extra.weight': { shape: [1], sum: 0, first: [0] }, __metadata__: { num_classes: '5' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/MISMATCH __metadata__\.num_classes: expected '5', got '4'/);
    expect(r.stderr).toMatch(/MISMATCH extra\.weight: missing from the file/);
  });
});
