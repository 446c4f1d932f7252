// Weights by name as plain arrays: what both weight files (safetensors, tfjs) read into, and what
// detrNames loads into a model. Equality here is bit for bit (NaN payloads and −0 included).

export type WeightMap = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** null when both hold the same names, shapes and bits; else the first difference, in words. */
export function weightsDiffer(a: WeightMap, b: WeightMap): string | null {
  for (const name of a.keys()) if (!b.has(name)) return `${name}: only in the first`;
  for (const [name, y] of b) {
    const x = a.get(name);
    if (x === undefined) return `${name}: only in the second`;
    if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) return `${name}: shape [${x.shape.join(', ')}] against [${y.shape.join(', ')}]`;
    if (x.data.length !== y.data.length) return `${name}: ${x.data.length} values against ${y.data.length}`;
    const [u, w] = [bits(x.data), bits(y.data)];
    const at = u.findIndex((v, i) => v !== w[i]);
    if (at >= 0) return `${name}: value ${at} differs (${x.data[at]} against ${y.data[at]})`;
  }
  return null;
}
