// The byte-level check the ingest worker runs on every dropped file before decoding it.
//
// Decoding is the expensive and risky step: createImageBitmap on a 400-megapixel PNG can exhaust
// memory, a truncated JPEG decodes "fine" with grey rows, and a PDF or a HEIC fails with an
// opaque DOMException. checkFile reads at most the first 64 KiB and the last 16 bytes, decides
// from magic bytes (never the name) and says in one sentence why a file is skipped.

import { displaySize, readExifOrientation, type ExifOrientation } from './exifOrientation';
import { readDimensions, type Dimensions } from './imageDimensions';
import {
  DECODABLE_FORMATS, FORMAT_LABEL, describeNonImage, extensionFormat, isDecodable, sniffFormat,
  type DecodableFormat, type ImageFormat,
} from './imageFormat';
import { TAIL_BYTES, truncationMessage } from './imageTruncation';

export { displaySize, readDimensions, readExifOrientation, sniffFormat, describeNonImage, TAIL_BYTES };
export type { DecodableFormat, Dimensions, ExifOrientation, ImageFormat };

/** How many bytes the caller reads from the start of a file. */
export const HEAD_BYTES = 64 * 1024;

export type SkipReason = 'empty' | 'not-image' | 'unsupported-format' | 'truncated' | 'too-large' | 'too-many-pixels';

export interface FileProbe {
  /** File name (for messages about a misleading extension only). */
  name: string;
  /** Size of the whole file in bytes. */
  size: number;
  /** The first min(size, HEAD_BYTES) bytes. */
  head: Uint8Array;
  /** The last min(size, TAIL_BYTES) bytes; ignored when `head` already holds the whole file. */
  tail: Uint8Array;
}

export interface IngestLimits {
  maxPixels: number;
  maxBytes: number;
}

export type CheckResult =
  | { ok: true; format: DecodableFormat; width?: number; height?: number; orientation?: ExifOrientation }
  | { ok: false; reason: SkipReason; message: string };

/**
 * The byte ranges [start, end) to read for a file of `size` bytes: `file.slice(start, end)`.
 * When the head covers the whole file the tail range is empty and need not be read; otherwise the
 * tail is always the full last TAIL_BYTES (it may overlap the head) so that an end marker is never
 * split between the two reads.
 */
export function probeRanges(size: number): { head: [number, number]; tail: [number, number] } {
  if (size <= HEAD_BYTES) return { head: [0, size], tail: [size, size] };
  return { head: [0, HEAD_BYTES], tail: [size - TAIL_BYTES, size] };
}

/** Whether the file looks like an image this browser can decode within `limits`, and why not. */
export function checkFile(probe: FileProbe, limits: IngestLimits): CheckResult {
  const { name, size, head } = probe;
  if (size === 0) return skip('empty', 'empty file (0 bytes)');
  const format = sniffFormat(head);
  if (!isDecodable(format)) return notDecodable(format, head, name);
  const note = extensionNote(name, format);
  if (size > limits.maxBytes) {
    return skip('too-large', `file is ${formatBytes(size)}, over the ${formatBytes(limits.maxBytes)} limit${note}`);
  }
  const end = head.length >= size ? head.subarray(Math.max(0, size - TAIL_BYTES), size) : probe.tail;
  const truncated = truncationMessage(format, head, end, size);
  if (truncated !== null) return skip('truncated', truncated + note);
  const dims = readDimensions(head, format);
  const orientation = format === 'jpeg' ? readExifOrientation(head) : null;
  // Unknown dimensions (a JPEG whose SOF lies past the head) are not an error: the decoder decides.
  if (!dims) return orientation === null ? { ok: true, format } : { ok: true, format, orientation };
  if (dims.width * dims.height > limits.maxPixels) {
    const message = `${dims.width}×${dims.height} pixels is over the ${megapixels(limits.maxPixels)} megapixel limit`;
    return skip('too-many-pixels', message + note);
  }
  const ok = { ok: true as const, format, width: dims.width, height: dims.height };
  return orientation === null ? ok : { ...ok, orientation };
}

/**
 * checkFile on the whole file, for when the head left the size unknown (a JPEG's frame header
 * behind large EXIF or ICC segments): an 80 KB JPEG claiming 20000×20000 otherwise reaches the
 * decoder, which commits 1.6 GB to it before any size check can refuse it.
 */
export function checkWholeFile(name: string, bytes: Uint8Array, limits: IngestLimits): CheckResult {
  return checkFile({ name, size: bytes.length, head: bytes, tail: bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)) }, limits);
}

function skip(reason: SkipReason, message: string): CheckResult {
  return { ok: false, reason, message };
}

const EXPECTED = DECODABLE_FORMATS.map((f) => FORMAT_LABEL[f]).join(', ');

function notDecodable(format: ImageFormat, head: Uint8Array, name: string): CheckResult {
  const note = extensionNote(name, format);
  if (format === 'heic' || format === 'tiff') {
    const label = FORMAT_LABEL[format];
    return skip('unsupported-format', `${label} images cannot be decoded by this browser; convert to JPEG or PNG${note}`);
  }
  const looks = describeNonImage(head);
  if (looks !== null) return skip('not-image', `not an image: looks like ${looks}${note}`);
  const first = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return skip('not-image', `not an image: unrecognised contents (starting ${first}); expected ${EXPECTED}${note}`);
}

/** " (the name ends in .jpg, but …)" when the extension promises another format, else "". */
function extensionNote(name: string, format: ImageFormat): string {
  const promised = extensionFormat(name);
  if (!promised || promised.format === format) return '';
  const label = FORMAT_LABEL[promised.format];
  const actual = format === 'unknown' || format === 'pdf' || format === 'svg' ? `not a ${label}` : `a ${FORMAT_LABEL[format]}`;
  return ` (the name ends in .${promised.ext}, but the file is ${actual})`;
}

function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let unit = 0;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${trimmed(v)} ${units[unit]}`;
}

function megapixels(pixels: number): string {
  return trimmed(pixels / 1e6);
}

/** One decimal at most, and none when it is zero: 40, 16.7, 1.5. */
function trimmed(v: number): string {
  return String(Math.round(v * 10) / 10);
}
