// EXIF orientation of a JPEG (tag 0x0112 in IFD0 of the APP1 "Exif" segment), for display.
//
// Decoding does not need this: the worker asks createImageBitmap for imageOrientation
// 'from-image', which applies it. The panels want it to show "rotated 90°" and the size the
// person sees, which for orientations 5–8 has width and height swapped.

import { ascii, u16be, u16le, u32be, u32le } from './imageBytes';
import type { Dimensions } from './imageDimensions';
import { APP1, EOI, SOS, jpegSegments } from './jpegSegments';

export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;

function isOrientation(v: number | null): v is ExifOrientation {
  return v !== null && Number.isInteger(v) && v >= 1 && v <= 8;
}

/** The orientation in the first EXIF block of a JPEG, or null when absent or unreadable. */
export function readExifOrientation(head: Uint8Array): ExifOrientation | null {
  if (head[0] !== 0xff || head[1] !== 0xd8) return null;
  for (const seg of jpegSegments(head)) {
    if (seg.marker === SOS || seg.marker === EOI) return null;
    if (seg.marker !== APP1 || ascii(head, seg.data, 6) !== 'Exif\0\0') continue; // XMP is APP1 too
    // TIFF offsets count from the byte-order mark; a view of just the block keeps reads inside it.
    const tiff = head.subarray(seg.data + 6, Math.min(seg.end, head.length));
    return tiffOrientation(tiff);
  }
  return null;
}

function tiffOrientation(tiff: Uint8Array): ExifOrientation | null {
  const order = ascii(tiff, 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const u16 = order === 'II' ? u16le : u16be;
  const u32 = order === 'II' ? u32le : u32be;
  if (u16(tiff, 2) !== 42) return null;
  const ifd = u32(tiff, 4);
  const count = ifd === null ? null : u16(tiff, ifd);
  if (ifd === null || count === null) return null;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i; // tag (2), type (2), count (4), value or offset (4)
    const tag = u16(tiff, entry);
    if (tag === null) return null;
    if (tag !== ORIENTATION_TAG) continue;
    if (u16(tiff, entry + 2) !== TYPE_SHORT) return null;
    const value = u16(tiff, entry + 8); // a single SHORT sits left-aligned in the value field
    return isOrientation(value) ? value : null;
  }
  return null;
}

/** The size the person sees: orientations 5–8 turn the image by 90°, swapping its sides. */
export function displaySize(dims: Dimensions, orientation: ExifOrientation | null): Dimensions {
  return orientation !== null && orientation >= 5
    ? { width: dims.height, height: dims.width }
    : { width: dims.width, height: dims.height };
}
