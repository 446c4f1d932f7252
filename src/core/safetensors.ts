// The safetensors file format (huggingface/safetensors), float32 only: the weight file the studio
// exports and that PyTorch, JAX or numpy read without running any of our code.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON (padded with spaces so the data
// starts 8-byte aligned), then the raw little-endian tensor bytes. The header maps each name to
// {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data, end exclusive) and may hold
// `__metadata__`, a string → string map. The reader applies the reference implementation's rules
// (contiguous offsets that cover the data exactly, no duplicate names) so that a file it accepts is
// one every other reader accepts too, and says which tensor or field broke which rule.

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  /** In header order. */
  readonly tensors: Map<string, { shape: number[]; data: Float32Array }>;
  readonly metadata: Record<string, string>;
}

const METADATA = '__metadata__';
const F32_BYTES = 4;
const ALIGN = 8;
/** Guard of the reference implementation against absurd headers (100 MB). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const fail = (message: string): never => {
  throw new Error(`safetensors: ${message}`);
};

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Float32Array ↔ little-endian bytes, bit for bit (NaN payloads included, so no DataView floats). */
function swapWords(bytes: Uint8Array): Uint8Array {
  if (LITTLE_ENDIAN) return bytes;
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const [a = 0, b = 0] = [bytes[i], bytes[i + 1]];
    bytes[i] = bytes[i + 3] ?? 0;
    bytes[i + 1] = bytes[i + 2] ?? 0;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
  return bytes;
}

export function writeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // a name may be "__proto__"
  header[METADATA] = { ...metadata };
  let offset = 0;
  for (const { name, shape, data } of tensors) {
    if (name === '' || name === METADATA) fail(`expected a tensor name other than ${JSON.stringify(name)}`);
    if (Object.hasOwn(header, name)) fail(`duplicate tensor name ${JSON.stringify(name)}`);
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count(shape) !== data.length) {
      fail(`tensor ${JSON.stringify(name)}: shape [${shape.join(', ')}] does not hold its ${data.length} values`);
    }
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [offset, offset + data.length * F32_BYTES] };
    offset += data.length * F32_BYTES;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / ALIGN) * ALIGN;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { data } of tensors) {
    out.set(swapWords(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))), at);
    at += data.byteLength;
  }
  return out;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : JSON.stringify(v) ?? typeof v;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Keys of the header's top-level object in order, duplicates kept (JSON.parse silently keeps the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  const colon = /\s*:/y; // sticky: tested at one position, never on a copy of the rest
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const literal = json.slice(i, end + 1);
      colon.lastIndex = end + 1;
      if (depth === 1 && colon.test(json)) keys.push(JSON.parse(literal) as string);
      i = end;
    }
  }
  return keys;
}

function parseHeader(bytes: Uint8Array): { header: Record<string, unknown>; keys: string[]; dataStart: number } {
  if (bytes.length < 8) fail(`expected at least 8 bytes (the header length), got ${bytes.length}`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) fail(`header length ${declared} runs past the end of the file (${bytes.length - 8} bytes after the length)`);
  if (declared > BigInt(MAX_HEADER)) fail(`expected a header of at most ${MAX_HEADER} bytes, got ${declared}`);
  const dataStart = 8 + Number(declared);
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(header)) return fail(`expected the header to be a JSON object, got ${describe(header)}`);
  const keys = topLevelKeys(text);
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) fail(`duplicate tensor name ${JSON.stringify(key)} in the header`);
    seen.add(key);
  }
  return { header, keys, dataStart };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) return fail(`__metadata__: expected an object of strings, got ${describe(value)}`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__.${k}: expected a string, got ${describe(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown): Entry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isRecord(value)) return fail(`${where}: expected {dtype, shape, data_offsets}, got ${describe(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (dtype !== 'F32') fail(`${where}.dtype: expected "F32" (the only dtype supported), got ${describe(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`${where}.shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    fail(`${where}.data_offsets: expected [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`${where}.data_offsets: expected begin ≤ end, got [${begin}, ${end}]`);
  const dims = shape as number[];
  if (count(dims) * F32_BYTES !== end - begin) {
    fail(`${where}: shape [${dims.join(', ')}] needs ${count(dims) * F32_BYTES} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, shape: dims, begin, end };
}

/** Offsets sorted by position must tile the data exactly: from 0, no gap, no overlap, to the end. */
function checkLayout(entries: readonly Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = 'the start of the data';
  for (const e of sorted) {
    if (e.begin !== expected) {
      const kind = e.begin < expected ? 'overlaps' : 'leaves a gap after';
      fail(`tensor ${JSON.stringify(e.name)}.data_offsets: expected to begin at byte ${expected}, got ${e.begin} (it ${kind} ${previous})`);
    }
    if (e.end > dataLength) {
      fail(`tensor ${JSON.stringify(e.name)}: data_offsets end at byte ${e.end} but the file holds ${dataLength} data bytes (truncated)`);
    }
    expected = e.end;
    previous = `tensor ${JSON.stringify(e.name)}`;
  }
  if (expected !== dataLength) fail(`expected ${expected} data bytes after the header, got ${dataLength} (trailing bytes)`);
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { header, keys, dataStart } = parseHeader(bytes);
  const metadata = parseMetadata(header[METADATA]);
  const entries = keys.filter((name) => name !== METADATA).map((name) => parseEntry(name, header[name]));
  checkLayout(entries, bytes.length - dataStart);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const { name, shape, begin, end } of entries) {
    // A fresh, aligned buffer: the constructor copies, where a Node Buffer's slice() would be a view.
    const copy = swapWords(new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)));
    tensors.set(name, { shape, data: new Float32Array(copy.buffer, 0, (end - begin) / F32_BYTES) });
  }
  return { tensors, metadata };
}
