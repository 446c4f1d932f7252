// ISO base media file format (ISO/IEC 14496-12) boxes, as used by AVIF and HEIC.
//
// Both formats are the same container: an `ftyp` box whose brands say which codec is inside, and
// a `meta` box whose item properties (`iprp` → `ipco`) hold one `ispe` (image spatial extent) per
// coded item. We read only what the ingest check needs: the brands, the largest `ispe` and whether
// the top-level boxes run past the end of the file.

import { ascii, u32be } from './imageBytes';

interface Box {
  type: string;
  start: number;
  /** First byte after the box header; a full box's version/flags come next. */
  body: number;
  /** One past the box's last byte; may lie beyond the bytes we hold. */
  end: number;
}

/**
 * The boxes laid end to end in `b[from, to)`. `to` may exceed `b.length` (top-level boxes are
 * walked against the file size); the walk stops at the first header we do not hold in full.
 */
function* boxes(b: Uint8Array, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    const size32 = u32be(b, at);
    const type = ascii(b, at + 4, 4);
    if (size32 === null || type === null) return;
    let body = at + 8;
    let end = at + size32;
    if (size32 === 1) {
      // 64-bit "largesize" follows the type; the high word is 0 for any file a browser holds.
      const hi = u32be(b, at + 8);
      const lo = u32be(b, at + 12);
      if (hi === null || lo === null) return;
      body = at + 16;
      end = at + hi * 2 ** 32 + lo;
    } else if (size32 === 0) {
      end = to; // "extends to the end of its container"
    }
    if (end < body) return; // a size smaller than its own header: corrupt, stop rather than loop
    yield { type, start: at, body, end };
    at = end;
  }
}

function findBox(b: Uint8Array, from: number, to: number, type: string): Box | null {
  for (const box of boxes(b, from, to)) if (box.type === type) return box;
  return null;
}

/** The first child of `type`; a full box (such as `meta`) has 4 bytes of version/flags first. */
function child(b: Uint8Array, parent: Box, type: string, fullBox: boolean): Box | null {
  return findBox(b, parent.body + (fullBox ? 4 : 0), parent.end, type);
}

export interface FtypBrands {
  major: string;
  compatible: string[];
}

/** The `ftyp` brands when `b` starts with an `ftyp` box, else null. */
export function readFtyp(b: Uint8Array): FtypBrands | null {
  const size = u32be(b, 0);
  const major = ascii(b, 8, 4);
  if (size === null || major === null || ascii(b, 4, 4) !== 'ftyp' || size < 16) return null;
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= Math.min(size, b.length); at += 4) {
    const brand = ascii(b, at, 4);
    if (brand !== null) compatible.push(brand);
  }
  return { major, compatible };
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
// HEVC-coded HEIF brands; `mif1`/`msf1` are generic HEIF and only mean HEIC when no AV1 brand is there.
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1']);

/** Which image codec the brands announce: an `avif` brand anywhere wins over generic HEIF. */
export function ftypImageFormat(brands: FtypBrands): 'avif' | 'heic' | null {
  const { major, compatible } = brands;
  if (AVIF_BRANDS.has(major)) return 'avif';
  if (HEVC_BRANDS.has(major)) return 'heic';
  if (compatible.some((c) => AVIF_BRANDS.has(c))) return 'avif';
  if (GENERIC_HEIF_BRANDS.has(major) || compatible.some((c) => HEVC_BRANDS.has(c))) return 'heic';
  return null;
}

/**
 * The largest `ispe` extent under meta → iprp → ipco. A HEIF file has one per item: the primary
 * image, its thumbnails and, for grid images, every tile; the primary (or the grid) is the largest.
 */
export function largestIspe(b: Uint8Array): { width: number; height: number } | null {
  const meta = findBox(b, 0, b.length, 'meta');
  const iprp = meta && child(b, meta, 'iprp', true);
  const ipco = iprp && child(b, iprp, 'ipco', false);
  // A cut-off ipco could hide the largest extent and under-report the size: unknown instead.
  if (!ipco || ipco.end > b.length) return null;
  let best: { width: number; height: number } | null = null;
  for (const box of boxes(b, ipco.body, ipco.end)) {
    if (box.type !== 'ispe') continue;
    const width = u32be(b, box.body + 4);
    const height = u32be(b, box.body + 8);
    if (width === null || height === null || width === 0 || height === 0) continue;
    if (!best || width * height > best.width * best.height) best = { width, height };
  }
  return best;
}

/** Whether a top-level box that we can see claims to end past the end of the file. */
export function bmffRunsPastEnd(head: Uint8Array, fileSize: number): boolean {
  for (const box of boxes(head, 0, fileSize)) if (box.end > fileSize) return true;
  return false;
}
