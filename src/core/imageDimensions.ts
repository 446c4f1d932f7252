// Width and height of an image read from its header bytes, without decoding it.
//
// The ingest check refuses images whose pixel count would exhaust memory before
// createImageBitmap ever sees them, so every reader here works on a prefix of the file and
// returns null where the header is missing, short or corrupt; none of them throws.

import { ascii, bytesAt, i32le, u16le, u24le, u32be, u32le } from './imageBytes';
import type { ImageFormat } from './imageFormat';
import { largestIspe } from './isoBmff';
import { readJpegDimensions } from './jpegSegments';

export interface Dimensions {
  width: number;
  height: number;
}

/** Stored (not EXIF-rotated) width and height, or null when the header cannot be read. */
export function readDimensions(head: Uint8Array, format: ImageFormat): Dimensions | null {
  switch (format) {
    case 'png': return readPng(head);
    case 'jpeg': return readJpegDimensions(head);
    case 'gif': return positive(u16le(head, 6), u16le(head, 8));
    case 'bmp': return readBmp(head);
    case 'webp': return readWebp(head);
    case 'avif':
    case 'heic': return largestIspe(head);
    case 'tiff':
    case 'pdf':
    case 'svg':
    case 'unknown': return null;
  }
}

function positive(width: number | null, height: number | null): Dimensions | null {
  if (width === null || height === null || width <= 0 || height <= 0) return null;
  return { width, height };
}

/** IHDR must be the first chunk: length 13 at byte 8, then width and height as u32 BE. */
function readPng(head: Uint8Array): Dimensions | null {
  if (u32be(head, 8) !== 13 || ascii(head, 12, 4) !== 'IHDR') return null;
  const width = u32be(head, 16);
  const height = u32be(head, 20);
  // The PNG spec caps both sides at 2^31 - 1; larger values mean a corrupt header.
  if (width === null || height === null || width > 0x7fffffff || height > 0x7fffffff) return null;
  return positive(width, height);
}

/** BITMAPCOREHEADER has 16-bit sides; the later headers have signed 32-bit ones. */
function readBmp(head: Uint8Array): Dimensions | null {
  const dibSize = u32le(head, 14);
  if (dibSize === 12) return positive(u16le(head, 18), u16le(head, 20));
  const width = i32le(head, 18);
  const height = i32le(head, 22);
  // A negative height marks a top-down bitmap; the image is |height| rows either way.
  return positive(width, height === null ? null : Math.abs(height));
}

/** The first chunk after "RIFF size WEBP" says which of the three WebP headers follows. */
function readWebp(head: Uint8Array): Dimensions | null {
  const chunk = ascii(head, 12, 4);
  if (chunk === 'VP8 ') {
    // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit sides (+ 2 bits of scale).
    if (!bytesAt(head, 23, [0x9d, 0x01, 0x2a])) return null;
    const w = u16le(head, 26);
    const h = u16le(head, 28);
    return positive(w === null ? null : w & 0x3fff, h === null ? null : h & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2F, then width-1 and height-1 packed as two 14-bit fields, LSB first.
    const bits = u32le(head, 21);
    if (head[20] !== 0x2f || bits === null) return null;
    return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Extended (alpha, animation, metadata): flags (1) and reserved (3), then 24-bit sides minus one.
    const w = u24le(head, 24);
    const h = u24le(head, 27);
    return positive(w === null ? null : w + 1, h === null ? null : h + 1);
  }
  return null;
}
