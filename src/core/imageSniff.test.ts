// checkFile on real and broken files: every skip names its reason, nothing valid is refused,
// and the check reads no more than the head and tail that probeRanges asks for.

import { describe, expect, it } from 'vitest';
import * as built from '../../scripts/fixtures/handBuilt';
import * as enc from '../../scripts/fixtures/sharpImages';
import { isStartOfFrame, jpegSegments } from './jpegSegments';
import { HEAD_BYTES, TAIL_BYTES, checkFile, checkWholeFile, probeRanges, type CheckResult, type FileProbe } from './imageSniff';

const limits = { maxPixels: 40_000_000, maxBytes: 50_000_000 };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** What the worker passes: the ranges from probeRanges, sliced out of the whole file. */
function probe(name: string, bytes: Uint8Array): FileProbe {
  const { head, tail } = probeRanges(bytes.length);
  return { name, size: bytes.length, head: bytes.subarray(...head), tail: bytes.subarray(...tail) };
}

function check(name: string, bytes: Uint8Array, lim = limits): CheckResult {
  return checkFile(probe(name, bytes), lim);
}

function half(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, Math.floor(bytes.length / 2));
}

/** Incompressible pixels, so that the PNG is larger than the head and the tail path is used. */
function noisePng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < raw.length; i++) raw[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return import('sharp').then(({ default: sharp }) => sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer());
}

/** A JPEG whose SOF sits past the 64 KiB head, behind two large APP2 (ICC-like) segments. */
async function jpegWithFarSof(): Promise<Buffer> {
  const app2 = built.jpegSegment(0xe2, new Uint8Array(40_000).fill(0x11));
  return built.withSegmentsAfterSoi(await enc.jpeg(64, 48, 3), app2, app2);
}

describe('checkFile accepts decodable images', () => {
  it('reports format, stored size and EXIF orientation', async () => {
    expect(check('a.png', await enc.png(120, 75, 1))).toEqual({ ok: true, format: 'png', width: 120, height: 75 });
    expect(check('o.jpg', await enc.orientedJpeg(120, 80, 2, 6))).toEqual({
      ok: true, format: 'jpeg', width: 120, height: 80, orientation: 6,
    });
    expect(check('g.gif', await enc.animatedGif(40, 30, 3))).toMatchObject({ ok: true, format: 'gif' });
    expect(check('w.webp', await enc.webp(40, 30, 4, 'alpha'))).toMatchObject({ ok: true, format: 'webp', width: 40 });
    expect(check('b.bmp', built.bmp(33, 17, 5))).toMatchObject({ ok: true, format: 'bmp', height: 17 });
    expect(check('v.avif', await enc.avif(48, 32, 6))).toMatchObject({ ok: true, format: 'avif', width: 48 });
  });

  it('accepts a JPEG whose SOF lies beyond the head with unknown size, not as truncated', async () => {
    const far = await jpegWithFarSof();
    expect(far.length).toBeGreaterThan(HEAD_BYTES);
    expect(check('far.jpg', far)).toEqual({ ok: true, format: 'jpeg' });
  });

  it('tolerates padding after the end marker of a JPEG and a GIF', async () => {
    const pad = Buffer.alloc(10);
    expect(check('p.jpg', Buffer.concat([await enc.jpeg(20, 20, 7), pad]))).toMatchObject({ ok: true });
    expect(check('p.gif', Buffer.concat([await enc.animatedGif(20, 20, 7), pad]))).toMatchObject({ ok: true });
  });

  it('finds the size of a JPEG past the head when given the whole file', async () => {
    expect(checkWholeFile('far.jpg', await jpegWithFarSof(), limits)).toEqual({ ok: true, format: 'jpeg', width: 64, height: 48 });
  });

  it('decides by content, not by name', async () => {
    expect(check('really-a-png.jpg', await enc.png(10, 10, 8))).toMatchObject({ ok: true, format: 'png' });
  });
});

describe('checkFile skips', () => {
  it('an empty file', () => {
    expect(check('empty.jpg', new Uint8Array(0))).toEqual({ ok: false, reason: 'empty', message: 'empty file (0 bytes)' });
  });

  it.each([
    ['really-a-pdf.jpg', text('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'), /^not an image: looks like a PDF document \(the name ends in \.jpg, but the file is not a JPEG\)$/],
    ['archive.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]), /looks like a ZIP archive/],
    ['notes.txt', text('shopping list\n- milk\n- eggs\n'), /^not an image: looks like a text file$/],
    ['logo.svg', text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /looks like an SVG drawing/],
    ['index.html', text('<!doctype html>\n<html><body>hi</body></html>'), /looks like an HTML page/],
    ['blob.png', Uint8Array.from([0, 1, 2, 3, 250, 251, 0, 0]), /unrecognised contents \(starting 00 01 02 03\); expected JPEG, PNG, GIF, WebP, BMP, AVIF \(the name ends in \.png/],
  ])('%s as not an image', (name, bytes, message) => {
    const result = check(name, bytes);
    expect(result).toMatchObject({ ok: false, reason: 'not-image' });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('HEIC and TIFF as unsupported formats', async () => {
    const heic = built.heifHeader('heic', ['mif1', 'heic'], [[4032, 3024]], new Uint8Array(100).fill(9));
    expect(check('photo.heic', heic)).toEqual({
      ok: false, reason: 'unsupported-format', message: 'HEIC images cannot be decoded by this browser; convert to JPEG or PNG',
    });
    expect(check('scan.tif', await enc.tiff(20, 20, 9))).toMatchObject({ ok: false, reason: 'unsupported-format', message: /^TIFF images/ });
  });

  it.each([
    ['PNG', () => enc.png(150, 100, 10), 'truncated PNG: the file ends before its IEND chunk'],
    ['PNG larger than the head', () => noisePng(200, 200), 'truncated PNG: the file ends before its IEND chunk'],
    ['JPEG', () => enc.jpeg(150, 100, 11), 'truncated JPEG: no end-of-image marker (FF D9) at the end of the file'],
    ['JPEG larger than the head', jpegWithFarSof, 'truncated JPEG: no end-of-image marker (FF D9) at the end of the file'],
    ['GIF', () => enc.animatedGif(60, 40, 12), /^truncated GIF/],
    ['WebP', () => enc.webp(60, 40, 13, 'lossless'), /^truncated WebP: the file has \d+ bytes but its header announces \d+$/],
    ['BMP', () => built.bmp(60, 40, 14), /^truncated BMP: the file has \d+ bytes but its pixels need 7254$/],
    ['AVIF', () => enc.avif(60, 40, 15), 'truncated AVIF: a box runs past the end of the file'],
  ])('a %s cut in half as truncated', async (_name, make, message) => {
    const result = check('cut', half(new Uint8Array(await make())));
    expect(result).toMatchObject({ ok: false, reason: 'truncated', message });
  });

  it('a truncated file with a misleading name, naming both', async () => {
    const result = check('truncated.jpg', half(await enc.png(60, 40, 16)));
    expect(result).toMatchObject({ ok: false, reason: 'truncated', message: /IEND chunk \(the name ends in \.jpg, but the file is a PNG\)$/ });
  });

  it('a 20000×20000 PNG by its header, before any decoding', () => {
    const header = Buffer.concat([built.PNG_SIGNATURE, built.pngIhdr(20000, 20000, 8, 0), built.pngChunk('IEND', new Uint8Array(0))]);
    expect(check('huge.png', header)).toEqual({
      ok: false, reason: 'too-many-pixels', message: '20000×20000 pixels is over the 40 megapixel limit',
    });
  });

  it('a JPEG bomb whose frame header lies past the head, once the whole file is checked', async () => {
    const bomb = await jpegWithFarSof();
    const sof = [...jpegSegments(bomb)].find((seg) => isStartOfFrame(seg.marker));
    bomb.writeUInt16BE(20000, sof!.data + 1); // lines
    bomb.writeUInt16BE(20000, sof!.data + 3); // samples per line
    expect(check('bomb.jpg', bomb)).toEqual({ ok: true, format: 'jpeg' });
    expect(checkWholeFile('bomb.jpg', bomb, limits)).toEqual({
      ok: false, reason: 'too-many-pixels', message: '20000×20000 pixels is over the 40 megapixel limit',
    });
  });

  it('a file over the byte limit', async () => {
    const result = check('big.png', await enc.png(64, 64, 17), { maxPixels: 1e9, maxBytes: 100 });
    expect(result).toMatchObject({ ok: false, reason: 'too-large', message: /^file is [\d.]+ KB, over the 100 bytes limit$/ });
  });
});

describe('probeRanges', () => {
  it('reads the whole of a small file once, and head plus tail of a large one', () => {
    expect(probeRanges(0)).toEqual({ head: [0, 0], tail: [0, 0] });
    expect(probeRanges(1000)).toEqual({ head: [0, 1000], tail: [1000, 1000] });
    expect(probeRanges(HEAD_BYTES)).toEqual({ head: [0, HEAD_BYTES], tail: [HEAD_BYTES, HEAD_BYTES] });
    // The tail overlaps the head rather than come back shorter than an end marker.
    expect(probeRanges(HEAD_BYTES + 5)).toEqual({ head: [0, HEAD_BYTES], tail: [HEAD_BYTES + 5 - TAIL_BYTES, HEAD_BYTES + 5] });
    expect(probeRanges(1e6)).toEqual({ head: [0, HEAD_BYTES], tail: [1e6 - TAIL_BYTES, 1e6] });
  });

  it('finds an end marker whatever the file size around the head boundary', async () => {
    const png = await enc.png(30, 30, 19);
    for (const size of [HEAD_BYTES - 3, HEAD_BYTES, HEAD_BYTES + 3, HEAD_BYTES + 8, HEAD_BYTES + 20]) {
      // A private ancillary chunk ("prVt") pads the file to `size` bytes before its IDAT.
      const pad = built.pngChunk('prVt', new Uint8Array(size - png.length - 12));
      const padded = Buffer.concat([png.subarray(0, 33), pad, png.subarray(33)]);
      expect(padded.length).toBe(size);
      expect(check('p.png', padded)).toMatchObject({ ok: true, width: 30 });
      expect(check('p.png', padded.subarray(0, size - 1))).toMatchObject({ ok: false, reason: 'truncated' });
    }
  });

  it('uses the end of the head, not the tail, when the head holds the whole file', async () => {
    const png = await enc.png(30, 30, 18);
    const result = checkFile({ name: 'x.png', size: png.length, head: png, tail: new Uint8Array(0) }, limits);
    expect(result).toMatchObject({ ok: true });
  });
});
