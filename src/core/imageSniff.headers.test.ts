// Format sniffing, header dimensions and EXIF orientation on real files written by sharp and on
// hand-built headers: every reader agrees with the encoder, and short or corrupt input gives null.

import { describe, expect, it } from 'vitest';
import * as built from '../../scripts/fixtures/handBuilt';
import * as enc from '../../scripts/fixtures/sharpImages';
import { displaySize, readExifOrientation } from './exifOrientation';
import { readDimensions } from './imageDimensions';
import { sniffFormat, type ImageFormat } from './imageFormat';

const junk = new Uint8Array(64).fill(7);

const cases: [string, ImageFormat, () => Promise<Buffer> | Buffer, number, number][] = [
  ['JPEG', 'jpeg', () => enc.jpeg(97, 61, 1), 97, 61],
  ['PNG', 'png', () => enc.png(120, 75, 2), 120, 75],
  ['animated GIF', 'gif', () => enc.animatedGif(80, 50, 3), 80, 50],
  ['lossy WebP (VP8)', 'webp', () => enc.webp(101, 67, 4, 'lossy'), 101, 67],
  ['lossless WebP (VP8L)', 'webp', () => enc.webp(133, 71, 5, 'lossless'), 133, 71],
  ['WebP with alpha (VP8X)', 'webp', () => enc.webp(90, 150, 6, 'alpha'), 90, 150],
  ['AVIF', 'avif', () => enc.avif(88, 66, 7), 88, 66],
  ['bottom-up BMP', 'bmp', () => built.bmp(65, 33, 8), 65, 33],
  ['top-down BMP', 'bmp', () => built.bmp(31, 47, 9, true), 31, 47],
  ['HEIC (primary + thumbnail)', 'heic', () => built.heifHeader('heic', ['mif1', 'heic'], [[320, 240], [4032, 3024]], junk), 4032, 3024],
];

describe('sniffFormat and readDimensions', () => {
  it.each(cases)('%s', async (_name, format, make, width, height) => {
    const bytes = new Uint8Array(await make());
    expect(sniffFormat(bytes)).toBe(format);
    expect(readDimensions(bytes, format)).toEqual({ width, height });
  });

  it('recognises TIFF in both byte orders but reads no size from it', async () => {
    const tiff = new Uint8Array(await enc.tiff(40, 30, 10));
    expect(sniffFormat(tiff)).toBe('tiff');
    expect(sniffFormat(Uint8Array.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(readDimensions(tiff, 'tiff')).toBeNull();
  });

  it('tells AVIF from HEIC by brand, whatever the generic major brand', () => {
    const heif = (major: string, compat: string[]): ImageFormat => sniffFormat(built.heifHeader(major, compat, [[8, 8]], junk));
    expect(heif('mif1', ['mif1', 'avif', 'miaf'])).toBe('avif');
    expect(heif('avis', ['msf1'])).toBe('avif');
    expect(heif('mif1', ['mif1', 'heic'])).toBe('heic');
    expect(heif('msf1', ['msf1'])).toBe('heic');
    expect(heif('hevx', [])).toBe('heic');
    expect(heif('isom', ['mp42'])).toBe('unknown'); // an MP4 video
  });

  it('recognises PDF, SVG and text as what they are', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(sniffFormat(text('%PDF-1.7\n%âãÏÓ\n'))).toBe('pdf');
    expect(sniffFormat(text('<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('svg');
    expect(sniffFormat(text('<!DOCTYPE html><html><body><svg></svg></body></html>'))).toBe('unknown');
    expect(sniffFormat(text('BMW 320i service notes'))).toBe('unknown'); // "BM" but no bitmap header
  });

  it('returns null, never throws, on every prefix of every format', async () => {
    for (const [, format, make, width, height] of cases) {
      const bytes = new Uint8Array(await make());
      for (let n = 0; n < Math.min(bytes.length, 400); n++) {
        const dims = readDimensions(bytes.subarray(0, n), format);
        if (dims !== null) expect(dims).toEqual({ width, height });
      }
    }
  });

  it('rejects zero-sized and impossible headers', () => {
    const png = built.pngIhdr(0, 10, 8, 0);
    expect(readDimensions(Buffer.concat([built.PNG_SIGNATURE, png]), 'png')).toBeNull();
    const huge = Buffer.concat([built.PNG_SIGNATURE, built.pngIhdr(0x80000000, 10, 8, 0)]);
    expect(readDimensions(huge, 'png')).toBeNull();
  });
});

describe('JPEG segments', () => {
  it('reads SOF after a large APP segment, and gives up when it lies beyond the head', async () => {
    const base = await enc.jpeg(64, 48, 11);
    const app2 = built.jpegSegment(0xe2, new Uint8Array(40_000));
    const far = new Uint8Array(built.withSegmentsAfterSoi(base, app2, app2));
    expect(readDimensions(far, 'jpeg')).toEqual({ width: 64, height: 48 });
    expect(readDimensions(far.subarray(0, 64 * 1024), 'jpeg')).toBeNull();
  });

  it('tolerates fill bytes before a marker', async () => {
    const base = await enc.jpeg(50, 20, 12);
    const padded = Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xff]), base.subarray(2)]);
    expect(readDimensions(padded, 'jpeg')).toEqual({ width: 50, height: 20 });
  });
});

describe('EXIF orientation', () => {
  it('reads orientation 6 written by sharp and swaps the display size', async () => {
    const bytes = new Uint8Array(await enc.orientedJpeg(120, 80, 13, 6));
    const orientation = readExifOrientation(bytes);
    expect(orientation).toBe(6);
    const dims = readDimensions(bytes, 'jpeg');
    expect(dims).toEqual({ width: 120, height: 80 });
    expect(displaySize(dims!, orientation)).toEqual({ width: 80, height: 120 });
  });

  it.each(['II', 'MM'] as const)('reads every orientation in %s byte order', async (order) => {
    const base = await enc.jpeg(30, 20, 14);
    for (let o = 1; o <= 8; o++) {
      expect(readExifOrientation(built.withSegmentsAfterSoi(base, built.exifSegment(o, order)))).toBe(o);
    }
    expect(readExifOrientation(built.withSegmentsAfterSoi(base, built.exifSegment(9, order)))).toBeNull();
  });

  it('is null without EXIF, for other formats and on short input', async () => {
    const plain = await enc.jpeg(30, 20, 15);
    expect(readExifOrientation(plain)).toBeNull();
    expect(readExifOrientation(await enc.png(10, 10, 15))).toBeNull();
    const segment = built.exifSegment(6, 'MM');
    const exif = built.withSegmentsAfterSoi(plain, segment);
    // SOI (2), marker and length (4), "Exif\0\0" (6), TIFF header (8), entry count (2), then the
    // entry's tag, type and count (8) and the SHORT value (2)
    const valueEnd = 2 + 4 + 6 + 8 + 2 + 8 + 2;
    for (let n = 0; n < valueEnd; n++) expect(readExifOrientation(exif.subarray(0, n))).toBeNull();
    expect(readExifOrientation(exif.subarray(0, valueEnd))).toBe(6);
  });

  it('keeps the size for orientations 1–4 and when there is none', () => {
    const dims = { width: 4, height: 3 };
    for (const o of [1, 2, 3, 4] as const) expect(displaySize(dims, o)).toEqual(dims);
    expect(displaySize(dims, null)).toEqual(dims);
    for (const o of [5, 6, 7, 8] as const) expect(displaySize(dims, o)).toEqual({ width: 3, height: 4 });
  });
});
