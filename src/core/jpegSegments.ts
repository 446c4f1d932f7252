// JPEG marker segments (ITU T.81 Annex B), walked by their lengths up to the scan data.
//
// A JPEG's size lives in its SOFn segment, which comes after any APPn metadata (EXIF, ICC, XMP);
// a phone photo's EXIF thumbnail or a large ICC profile can push it past the 64 KiB we read, and
// then the walk simply ends: dimensions are unknown, which is not an error.

import { u16be } from './imageBytes';

export interface JpegSegment {
  marker: number;
  /** Offset of the segment's 0xFF. */
  at: number;
  /** First byte of the payload, after the 2-byte length. */
  data: number;
  /** One past the payload; may lie beyond the bytes we hold. */
  end: number;
}

export const SOS = 0xda;
export const EOI = 0xd9;
export const APP1 = 0xe1;

/** Markers without a length field: TEM, RSTn and a repeated SOI. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7);
}

/** SOF0–SOF15, less DHT (C4), JPG (C8) and DAC (CC), which share the range. */
export function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * The segments after SOI, in order, ending with SOS or EOI (yielded with an empty payload).
 * Stops early, without an error, where the bytes run out or stop looking like markers.
 */
export function* jpegSegments(head: Uint8Array): Generator<JpegSegment> {
  let at = 2;
  while (head[at] === 0xff) {
    while (head[at + 1] === 0xff) at++; // fill bytes may pad before a marker
    const marker = head[at + 1];
    if (marker === undefined) return;
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === SOS || marker === EOI) {
      yield { marker, at, data: at + 2, end: at + 2 };
      return;
    }
    const length = u16be(head, at + 2);
    if (length === null || length < 2) return;
    yield { marker, at, data: at + 4, end: at + 2 + length };
    at += 2 + length;
  }
}

/** Width and height from the first SOFn, or null when it is not within `head` or is corrupt. */
export function readJpegDimensions(head: Uint8Array): { width: number; height: number } | null {
  for (const seg of jpegSegments(head)) {
    if (seg.marker === SOS || seg.marker === EOI) return null; // a scan before any frame header
    if (!isStartOfFrame(seg.marker)) continue;
    // SOFn payload: precision (1 byte), lines (2), samples per line (2), …
    const height = u16be(head, seg.data + 1);
    const width = u16be(head, seg.data + 3);
    // A height of 0 defers to a DNL marker after the first scan: unknown here.
    if (height === null || width === null || height === 0 || width === 0) return null;
    return { width, height };
  }
  return null;
}
