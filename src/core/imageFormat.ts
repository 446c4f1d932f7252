// What a file is, decided from its first bytes (magic numbers), never from its name.
//
// People drop whole folders: next to the photos lie PDFs, notes, archives, iPhone HEICs and files
// whose extension lies. The format decides whether the decoder is even tried, and for files that
// are not images a best-effort description tells the person what was skipped.

import { ascii, bytesAt, u32le } from './imageBytes';
import { ftypImageFormat, readFtyp } from './isoBmff';

export type ImageFormat =
  | 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'avif' | 'heic' | 'tiff' | 'pdf' | 'svg' | 'unknown';

/** The formats that `createImageBitmap` decodes in Chromium, Firefox and Safari. */
export type DecodableFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'avif';

export const DECODABLE_FORMATS: readonly DecodableFormat[] = ['jpeg', 'png', 'gif', 'webp', 'bmp', 'avif'];

export function isDecodable(format: ImageFormat): format is DecodableFormat {
  return (DECODABLE_FORMATS as readonly ImageFormat[]).includes(format);
}

export const FORMAT_LABEL: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'JPEG', png: 'PNG', gif: 'GIF', webp: 'WebP', bmp: 'BMP', avif: 'AVIF', heic: 'HEIC',
  tiff: 'TIFF', pdf: 'PDF', svg: 'SVG', unknown: 'unknown',
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// BITMAPCOREHEADER, BITMAPINFOHEADER and its V2–V5 successors: checking the DIB header size keeps
// a text file that happens to start with "BM" from passing as a bitmap.
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

/** The format announced by the magic bytes at the start of `head`. */
export function sniffFormat(head: Uint8Array): ImageFormat {
  if (bytesAt(head, 0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (bytesAt(head, 0, PNG_SIGNATURE)) return 'png';
  const sig6 = ascii(head, 0, 6);
  if (sig6 === 'GIF87a' || sig6 === 'GIF89a') return 'gif';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return 'webp';
  if (ascii(head, 0, 2) === 'BM' && BMP_DIB_SIZES.has(u32le(head, 14) ?? -1)) return 'bmp';
  const brands = readFtyp(head);
  const heif = brands && ftypImageFormat(brands);
  if (heif) return heif;
  // Classic TIFF (42) and BigTIFF (43), in both byte orders.
  if (bytesAt(head, 0, [0x49, 0x49, 0x2a, 0x00]) || bytesAt(head, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (bytesAt(head, 0, [0x49, 0x49, 0x2b, 0x00]) || bytesAt(head, 0, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  // The PDF spec lets junk precede the header; readers look in the first 1024 bytes.
  if (leadingText(head, 1024).includes('%PDF-')) return 'pdf';
  if (isText(head) && SVG_START.test(leadingText(head, 4096))) return 'svg';
  return 'unknown';
}

const SVG_START = /^(?:\s|<\?xml[\s\S]*?\?>|<!--[\s\S]*?-->|<!doctype svg[^>]*>)*<svg[\s>]/i;
const HTML_START = /^(?:\s|<!--[\s\S]*?-->)*<(?:!doctype html|html|head|body)[\s>]/i;

const BINARY_KINDS: readonly { at: number; sig: readonly number[]; what: string }[] = [
  { at: 0, sig: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (or an Office document, which is one)' },
  { at: 0, sig: [0x50, 0x4b, 0x05, 0x06], what: 'an empty ZIP archive' },
  { at: 0, sig: [0x1f, 0x8b], what: 'a gzip archive' },
  { at: 0, sig: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' },
  { at: 0, sig: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { at: 0, sig: [0x38, 0x42, 0x50, 0x53], what: 'a Photoshop document' },
  { at: 0, sig: [0x49, 0x44, 0x33], what: 'an MP3 audio file' },
  { at: 0, sig: [0x4f, 0x67, 0x67, 0x53], what: 'an Ogg audio or video file' },
  { at: 8, sig: [0x41, 0x56, 0x49, 0x20], what: 'an AVI video' },
  { at: 8, sig: [0x57, 0x41, 0x56, 0x45], what: 'a WAV audio file' },
  { at: 4, sig: [0x66, 0x74, 0x79, 0x70], what: 'a video (MP4 or QuickTime)' },
];

/**
 * A best-effort phrase for what a non-image file looks like ("a PDF document", "a text file"),
 * or null when nothing is recognised.
 */
export function describeNonImage(head: Uint8Array): string | null {
  const format = sniffFormat(head);
  if (format === 'pdf') return 'a PDF document';
  if (format === 'svg') return 'an SVG drawing (vector images are not supported)';
  for (const kind of BINARY_KINDS) if (bytesAt(head, kind.at, kind.sig)) return kind.what;
  if (!isText(head)) return null;
  const text = leadingText(head, 4096);
  if (HTML_START.test(text)) return 'an HTML page';
  if (/^\s*<\?xml/i.test(text)) return 'an XML document';
  return 'a text file';
}

/** Up to `max` bytes as Latin-1, after a UTF-8 byte-order mark: enough to match ASCII markers. */
function leadingText(head: Uint8Array, max: number): string {
  const from = bytesAt(head, 0, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  return ascii(head, from, Math.min(max, head.length - from)) ?? '';
}

/**
 * Whether the first KiB reads as text: a UTF-16 byte-order mark, or no NUL bytes and few control
 * characters (UTF-8 multibyte sequences are ≥ 0x80 and count as text).
 */
function isText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  if (bytesAt(head, 0, [0xff, 0xfe]) || bytesAt(head, 0, [0xfe, 0xff])) return true;
  const n = Math.min(head.length, 1024);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i]!;
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) control++;
  }
  return control <= n * 0.02;
}

const EXTENSION_FORMAT: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', jfif: 'jpeg', png: 'png', gif: 'gif', webp: 'webp',
  bmp: 'bmp', dib: 'bmp', avif: 'avif', heic: 'heic', heif: 'heic', hif: 'heic', tif: 'tiff',
  tiff: 'tiff', pdf: 'pdf', svg: 'svg',
};

/** The format a file's extension promises, for messages only; null for other extensions. */
export function extensionFormat(name: string): { ext: string; format: ImageFormat } | null {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot === name.length - 1) return null;
  const ext = name.slice(dot + 1).toLowerCase();
  const format = EXTENSION_FORMAT[ext];
  return format ? { ext, format } : null;
}
