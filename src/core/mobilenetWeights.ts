// Reads a tfjs graph model's weights manifest (an unknown model.json) and its binary shards into
// named float32 arrays, dequantising uint8/uint16 weights exactly as tfjs does (q · scale + min).
// Plain data, no tensors: the caller decides where the values go (variables on some backend).

/** One weight as stored in model.json, dequantised. `shape` is TF's (e.g. [kh, kw, Cin, Cout]). */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export type WeightArrays = ReadonlyMap<string, WeightArray>;

interface Quantization {
  readonly dtype: 'uint8' | 'uint16';
  readonly min: number;
  readonly scale: number;
}

interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly quantization: Quantization | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object with keys [${Object.keys(v).join(', ')}]`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function parseQuantization(v: unknown, where: string): Quantization | null {
  if (v === undefined) return null;
  if (
    !isRecord(v) ||
    (v.dtype !== 'uint8' && v.dtype !== 'uint16') ||
    typeof v.min !== 'number' ||
    typeof v.scale !== 'number'
  ) {
    throw new Error(`${where}.quantization: expected {dtype: 'uint8'|'uint16', min, scale}, got ${describe(v)}`);
  }
  return { dtype: v.dtype, min: v.min, scale: v.scale };
}

function parseSpec(v: unknown, where: string): WeightSpec {
  if (!isRecord(v) || typeof v.name !== 'string') {
    throw new Error(`${where}: expected {name, shape, dtype}, got ${describe(v)}`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${where} (${v.name}).shape: expected an array of sizes, got ${describe(shape)}`);
  }
  if (v.dtype !== 'float32') {
    throw new Error(`${where} (${v.name}).dtype: expected 'float32', got ${describe(v.dtype)}`);
  }
  return { name: v.name, shape: shape as number[], quantization: parseQuantization(v.quantization, where) };
}

function parseManifest(modelJson: unknown): { paths: string[]; specs: WeightSpec[] } {
  const manifest = isRecord(modelJson) ? modelJson.weightsManifest : undefined;
  if (!Array.isArray(manifest)) {
    throw new Error(`model.json: expected an object with a weightsManifest array, got ${describe(modelJson)}`);
  }
  const paths: string[] = [];
  const specs: WeightSpec[] = [];
  manifest.forEach((group: unknown, g) => {
    const where = `model.json weightsManifest[${g}]`;
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${where}: expected {paths: string[], weights: []}, got ${describe(group)}`);
    }
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string') throw new Error(`${where}.paths: expected strings, got ${describe(p)}`);
      paths.push(p);
    }
    (group.weights as unknown[]).forEach((w, i) => specs.push(parseSpec(w, `${where}.weights[${i}]`)));
  });
  return { paths, specs };
}

function concatenate(buffers: readonly ArrayBuffer[]): Uint8Array {
  const bytes = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    bytes.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return bytes;
}

function dequantise(raw: Uint8Array, q: Quantization | null): Float32Array {
  // slice() copies into a fresh, aligned buffer; the wider views need the alignment.
  if (q === null) return new Float32Array(raw.slice().buffer);
  const codes = q.dtype === 'uint8' ? raw : new Uint16Array(raw.slice().buffer);
  const values = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) values[i] = (codes[i] ?? 0) * q.scale + q.min;
  return values;
}

/**
 * Decodes every weight of a graph model. `buffers` are the files of `weightsManifest[*].paths`, in
 * manifest order (one ArrayBuffer per path).
 */
export function readWeightArrays(modelJson: unknown, buffers: readonly ArrayBuffer[]): WeightArrays {
  const { paths, specs } = parseManifest(modelJson);
  if (buffers.length !== paths.length) {
    throw new Error(`expected ${paths.length} weight buffer(s) (${paths.join(', ')}), got ${buffers.length}`);
  }
  const bytes = concatenate(buffers);
  const weights = new Map<string, WeightArray>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const size = count * (spec.quantization === null ? 4 : spec.quantization.dtype === 'uint8' ? 1 : 2);
    if (offset + size > bytes.length) {
      throw new Error(`weight ${spec.name} needs bytes up to ${offset + size}, but the buffers hold ${bytes.length}`);
    }
    weights.set(spec.name, { shape: spec.shape, values: dequantise(bytes.subarray(offset, offset + size), spec.quantization) });
    offset += size;
  }
  if (offset !== bytes.length) {
    throw new Error(`model.json describes ${offset} bytes of weights, but the buffers hold ${bytes.length}`);
  }
  return weights;
}
