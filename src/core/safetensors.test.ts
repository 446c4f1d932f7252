// safetensors: bit-exact round trips, the byte layout checked against a file built by hand, and one
// clear message for each way a file can be damaged.
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors';

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** A file from a header object and raw data bytes, the length field and padding done as the format says. */
function handBuilt(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  const json = JSON.stringify(header);
  return handBuiltText(pad ? json.padEnd(Math.ceil(json.length / 8) * 8, ' ') : json, data);
}

function handBuiltText(json: string, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const entry = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });
const zeros = (n: number) => new Uint8Array(n);

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips every bit, NaN payloads, −0, denormals and infinities included', () => {
    const special = new Float32Array(8);
    const bits = bitsOf(special);
    bits.set([0x7fc00000, 0x7fa12345, 0xffc00001, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000]);
    const random = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453);
    const tensors: NamedTensor[] = [
      { name: 'special', shape: [2, 4], data: special },
      { name: 'random.weight', shape: [10, 10, 10], data: random },
      { name: 'scalar', shape: [], data: Float32Array.of(3.5) },
      { name: 'empty', shape: [0, 3], data: new Float32Array(0) },
    ];
    const bytes = writeSafetensors(tensors, { format: 'pt', 'simdetr.note': 'ünïcode ✓' });
    const file = readSafetensors(bytes);
    expect([...file.tensors.keys()]).toEqual(['special', 'random.weight', 'scalar', 'empty']);
    for (const t of tensors) {
      const got = file.tensors.get(t.name);
      expect(got?.shape).toEqual(t.shape);
      expect(bitsOf(got?.data ?? new Float32Array(1))).toEqual(bitsOf(t.data));
    }
    expect(file.metadata).toEqual({ format: 'pt', 'simdetr.note': 'ünïcode ✓' });
  });

  it('writes the exact layout of a two-tensor file', () => {
    const a = Float32Array.of(1, -2);
    const b = Float32Array.of(0.5, 0.25, 0.125);
    const bytes = writeSafetensors([{ name: 'a', shape: [2], data: a }, { name: 'b', shape: [1, 3], data: b }], { k: 'v' });
    const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,3],"data_offsets":[8,20]}}';
    const n = Math.ceil(json.length / 8) * 8;
    expect(n % 8).toBe(0);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(n));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toBe(json.padEnd(n, ' '));
    expect(bytes.length).toBe(8 + n + 20);
    const view = new DataView(bytes.buffer, 8 + n);
    const values = [0, 4, 8, 12, 16].map((o) => view.getFloat32(o, true));
    expect(values).toEqual([1, -2, 0.5, 0.25, 0.125]);
    expect([...bytes.subarray(8 + n, 8 + n + 4)]).toEqual([0x00, 0x00, 0x80, 0x3f]); // 1.0f little-endian
  });

  it('reads a file without padding or metadata, from a subarray of a larger buffer', () => {
    const data = new Uint8Array(new Float32Array([7, 8, 9]).buffer);
    const inner = handBuilt({ x: entry([3], 0, 12) }, data, false);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const file = readSafetensors(outer.subarray(3));
    expect([...(file.tensors.get('x')?.data ?? [])]).toEqual([7, 8, 9]);
    expect(file.metadata).toEqual({});
  });

  it('reads a Node Buffer that sits inside a larger pooled buffer (readFileSync of a small file)', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [2], data: new Float32Array([1.5, -2]) }, { name: 'y', shape: [1], data: new Float32Array([3]) }]);
    const buffer = Buffer.concat([Buffer.alloc(5, 0xff), Buffer.from(bytes)]).subarray(5); // a view: byteOffset 5
    expect(buffer.byteOffset).toBeGreaterThan(0);
    const file = readSafetensors(buffer);
    expect([...(file.tensors.get('x')?.data ?? [])]).toEqual([1.5, -2]);
    expect([...(file.tensors.get('y')?.data ?? [])]).toEqual([3]);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => writeSafetensors([{ name: 'a', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/"a": shape \[2, 2\] does not hold its 3 values/);
    const one = { name: 'a', shape: [1], data: new Float32Array(1) };
    expect(() => writeSafetensors([one, one])).toThrow(/duplicate tensor name "a"/);
    expect(() => writeSafetensors([{ ...one, name: '__metadata__' }])).toThrow(/other than "__metadata__"/);
  });
});

describe('readSafetensors on damaged files', () => {
  const good = handBuilt({ a: entry([2], 0, 8), b: entry([1], 8, 12) }, zeros(12));

  it('accepts the undamaged file', () => {
    expect([...readSafetensors(good).tensors.keys()]).toEqual(['a', 'b']);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', () => good.slice(0, 5), /expected at least 8 bytes \(the header length\), got 5/],
    [
      'a header length beyond the file',
      () => {
        const bad = good.slice();
        new DataView(bad.buffer).setBigUint64(0, 1000n, true);
        return bad;
      },
      /header length 1000 runs past the end of the file/,
    ],
    ['a header that is not JSON', () => handBuiltText('{"a": {', zeros(0)), /header is not UTF-8 JSON/],
    ['a header that is not an object', () => handBuiltText('[1, 2]', zeros(0)), /expected the header to be a JSON object, got an array/],
    ['an entry that is not an object', () => handBuilt({ a: 3 }, zeros(0)), /tensor "a": expected \{dtype, shape, data_offsets\}, got 3/],
    ['an unsupported dtype', () => handBuilt({ a: { ...entry([2], 0, 8), dtype: 'F16' } }, zeros(8)), /tensor "a".dtype: expected "F32".*got "F16"/],
    ['a bad shape', () => handBuilt({ a: entry([2, -1] as number[], 0, 8) }, zeros(8)), /tensor "a".shape: expected an array of non-negative integers, got \[2,-1\]/],
    ['bad data_offsets', () => handBuilt({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, zeros(8)), /tensor "a".data_offsets: expected \[begin, end\]/],
    ['reversed data_offsets', () => handBuilt({ a: entry([0], 8, 0) }, zeros(8)), /tensor "a".data_offsets: expected begin ≤ end, got \[8, 0\]/],
    ['shape × 4 ≠ byte length', () => handBuilt({ a: entry([3], 0, 8) }, zeros(8)), /tensor "a": shape \[3\] needs 12 bytes, data_offsets \[0, 8\] hold 8/],
    ['overlapping offsets', () => handBuilt({ a: entry([2], 0, 8), b: entry([2], 4, 12) }, zeros(12)), /tensor "b".data_offsets: expected to begin at byte 8, got 4 \(it overlaps tensor "a"\)/],
    ['a gap between tensors', () => handBuilt({ a: entry([1], 0, 4), b: entry([1], 8, 12) }, zeros(12)), /tensor "b".data_offsets: expected to begin at byte 4, got 8 \(it leaves a gap after tensor "a"\)/],
    ['data that does not start at 0', () => handBuilt({ a: entry([1], 4, 8) }, zeros(8)), /tensor "a".data_offsets: expected to begin at byte 0, got 4 \(it leaves a gap after the start of the data\)/],
    ['offsets out of range', () => handBuilt({ a: entry([2], 0, 8), b: entry([4], 8, 24) }, zeros(12)), /tensor "b": data_offsets end at byte 24 but the file holds 12 data bytes \(truncated\)/],
    ['truncated data', () => good.slice(0, good.length - 1), /tensor "b": data_offsets end at byte 12 but the file holds 11 data bytes \(truncated\)/],
    ['trailing bytes', () => handBuilt({ a: entry([2], 0, 8) }, zeros(9)), /expected 8 data bytes after the header, got 9 \(trailing bytes\)/],
    [
      'a duplicate name',
      () => handBuiltText('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', zeros(4)),
      /duplicate tensor name "a"/,
    ],
    ['metadata that is not strings', () => handBuilt({ __metadata__: { epoch: 3 }, a: entry([1], 0, 4) }, zeros(4)), /__metadata__.epoch: expected a string, got 3/],
    ['a header that is not UTF-8', () => handBuiltText('{"ab":1}', zeros(0)).map((b, i) => (i === 11 ? 0xff : b)), /header is not UTF-8 JSON/],
  ];

  for (const [what, make, message] of cases) {
    it(`names the problem: ${what}`, () => {
      expect(() => readSafetensors(make())).toThrow(message);
    });
  }

  it('does not mistake keys nested in values, or quotes in names, for duplicates', () => {
    const header = '{"__metadata__":{"a":"x"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"q\\"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const file = readSafetensors(handBuiltText(header, zeros(8)));
    expect([...file.tensors.keys()]).toEqual(['a', 'q"a']);
  });
});
