// Whether an image file was cut short, judged from its size, its header and its last bytes.
//
// Browsers decode a truncated PNG or JPEG "successfully", painting the missing rows grey or
// transparent, and such an image would silently join the training set. Each format has an end
// marker or a declared length to check instead; where neither can be seen we assume the file whole.

import { i32le, lastIndexOf, u16le, u32le } from './imageBytes';
import type { DecodableFormat } from './imageFormat';
import { bmffRunsPastEnd } from './isoBmff';

/** How many bytes the caller reads from the end of a file for the end-marker checks. */
export const TAIL_BYTES = 16;

// The IEND chunk's type and CRC; its length field (0) precedes it.
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const JPEG_EOI = [0xff, 0xd9];
const GIF_TRAILER = 0x3b;

/**
 * A user-facing sentence when the file is truncated, else null. `head` is the file's first
 * bytes, `end` its last bytes (up to TAIL_BYTES), `size` its length.
 */
export function truncationMessage(
  format: DecodableFormat, head: Uint8Array, end: Uint8Array, size: number,
): string | null {
  switch (format) {
    case 'png':
      // Searching the tail, not just its last 12 bytes, tolerates a few bytes of padding.
      return lastIndexOf(end, PNG_IEND) < 0 ? 'truncated PNG: the file ends before its IEND chunk' : null;
    case 'jpeg':
      // Some cameras pad after EOI; FF D9 cannot occur inside entropy-coded data (FF is stuffed).
      return lastIndexOf(end, JPEG_EOI) < 0 ? 'truncated JPEG: no end-of-image marker (FF D9) at the end of the file' : null;
    case 'gif':
      return gifTrailerMissing(end) ? 'truncated GIF: the file ends before its trailer byte (3B)' : null;
    case 'webp':
      return webpMessage(head, size);
    case 'bmp':
      return bmpMessage(head, size);
    case 'avif':
      return bmffRunsPastEnd(head, size) ? 'truncated AVIF: a box runs past the end of the file' : null;
  }
}

/** The trailer must be the last byte, though some writers pad the file with zeros after it. */
function gifTrailerMissing(end: Uint8Array): boolean {
  let last = end.length - 1;
  while (last >= 0 && end[last] === 0) last--;
  return end[last] !== GIF_TRAILER;
}

function webpMessage(head: Uint8Array, size: number): string | null {
  const riffSize = u32le(head, 4);
  if (riffSize === null) return 'truncated WebP: the file ends inside its header';
  const declared = 8 + riffSize; // "RIFF" and the size field are not counted in the size
  return size < declared
    ? `truncated WebP: the file has ${size} bytes but its header announces ${declared}`
    : null;
}

/**
 * Uncompressed bitmaps (BI_RGB, BI_BITFIELDS) have a known pixel-data length: rows of
 * ⌈width·bpp/32⌉ 4-byte words from bfOffBits on. Compressed ones (RLE, embedded JPEG/PNG) do not.
 */
function bmpMessage(head: Uint8Array, size: number): string | null {
  const offBits = u32le(head, 10);
  const dibSize = u32le(head, 14);
  if (offBits === null || dibSize === null) return 'truncated BMP: the file ends inside its header';
  const core = dibSize === 12;
  const width = core ? u16le(head, 18) : i32le(head, 18);
  const rawHeight = core ? u16le(head, 20) : i32le(head, 22);
  const bpp = u16le(head, core ? 24 : 28);
  const compression = core ? 0 : u32le(head, 30);
  if (width === null || rawHeight === null || bpp === null || compression === null) {
    return 'truncated BMP: the file ends inside its header';
  }
  if (compression !== 0 && compression !== 3) return null;
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  const needed = offBits + rowBytes * Math.abs(rawHeight);
  return size < needed
    ? `truncated BMP: the file has ${size} bytes but its pixels need ${needed}`
    : null;
}

