// Bounds-checked reads of integers and ASCII tags out of a file's first bytes.
//
// Every image header parser in core/ reads a *prefix* of a file that may be short, truncated or
// hostile, so each read returns null instead of throwing or reading `undefined` past the end:
// a parser then fails closed with one `if (x === null) return null`.

/** Big-endian unsigned 16-bit integer at `at`, or null when it does not fit in `b`. */
export function u16be(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 2 > b.length) return null;
  return (b[at]! << 8) | b[at + 1]!;
}

export function u16le(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 2 > b.length) return null;
  return b[at]! | (b[at + 1]! << 8);
}

export function u24le(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 3 > b.length) return null;
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
}

/** Unsigned 32-bit; `* 2 ** 24` instead of `<< 24` keeps values ≥ 2^31 positive. */
export function u32be(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 4 > b.length) return null;
  return b[at]! * 2 ** 24 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

export function u32le(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 4 > b.length) return null;
  return b[at + 3]! * 2 ** 24 + ((b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!);
}

/** Signed 32-bit little-endian (BMP heights are negative for top-down bitmaps). */
export function i32le(b: Uint8Array, at: number): number | null {
  if (at < 0 || at + 4 > b.length) return null;
  return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
}

/** `len` bytes at `at` as Latin-1 text (for 4-byte tags such as 'IHDR' or 'ftyp'), or null. */
export function ascii(b: Uint8Array, at: number, len: number): string | null {
  if (at < 0 || at + len > b.length) return null;
  let s = '';
  for (let i = at; i < at + len; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Whether `b` holds exactly the bytes `sig` starting at `at`. */
export function bytesAt(b: Uint8Array, at: number, sig: readonly number[]): boolean {
  if (at < 0 || at + sig.length > b.length) return false;
  return sig.every((v, i) => b[at + i] === v);
}

/** Index of the last occurrence of `sig` in `b`, or -1. */
export function lastIndexOf(b: Uint8Array, sig: readonly number[]): number {
  for (let at = b.length - sig.length; at >= 0; at--) if (bytesAt(b, at, sig)) return at;
  return -1;
}
