// A COCO-annotated image folder (the demo) prepared the way the app prepares it: each image resized
// so its short side is the app's cache size (never upscaled; 480×360 becomes 427×320) with sharp's
// lanczos3, as RGBA bytes, and its GT boxes scaled per axis into those resized pixels, where the
// proposals live. The app also re-encodes its cached copy as JPEG (quality 0.92); that small loss is
// not reproduced here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { boxXyxy, type BoxXyxy } from '../../src/core/boxes';
import { DEFAULT_PROPOSAL_CONFIG, type ProposalConfig } from '../../src/core/proposalConfig';
import type { RgbaImage } from '../../src/core/proposalStage';
import { scaleToShortSide } from '../../src/worker/decode';

export const DEMO_DIR = 'public/demo';
export const MODEL_DIR = 'public/models/mobilenet_v2_140';

/** The app's default proposal config; the seed drives its k-means and the random baseline alike. */
export const evalConfig = (seed: number): ProposalConfig => ({ ...DEFAULT_PROPOSAL_CONFIG, seed });

export interface EvalEntry {
  file: string;
  width: number;
  height: number;
  /** GT boxes in the original image's pixels, xyxy. */
  gts: BoxXyxy[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function field<T>(o: Record<string, unknown>, key: string, check: (x: unknown) => x is T, where: string): T {
  const v = o[key];
  if (!check(v)) throw new Error(`${where}: expected ${key} to be valid, got ${JSON.stringify(v)}`);
  return v;
}

/** The images (in file order) and their boxes, from COCO JSON read as unknown and narrowed. */
export function readCoco(path: string): EvalEntry[] {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isObject(json) || !Array.isArray(json.images) || !Array.isArray(json.annotations)) {
    throw new Error(`${path}: expected COCO JSON with "images" and "annotations" arrays`);
  }
  const byId = new Map<number, EvalEntry>();
  json.images.forEach((im: unknown, i) => {
    const where = `${path}: images[${i}]`;
    if (!isObject(im)) throw new Error(`${where}: expected an object, got ${JSON.stringify(im)}`);
    const file = field(im, 'file_name', (x): x is string => typeof x === 'string' && x.length > 0, where);
    const width = field(im, 'width', isNumber, where);
    const height = field(im, 'height', isNumber, where);
    byId.set(field(im, 'id', isNumber, where), { file, width, height, gts: [] });
  });
  json.annotations.forEach((a: unknown, i) => {
    const where = `${path}: annotations[${i}]`;
    if (!isObject(a)) throw new Error(`${where}: expected an object, got ${JSON.stringify(a)}`);
    const isBbox = (x: unknown): x is [number, number, number, number] => Array.isArray(x) && x.length === 4 && x.every(isNumber);
    const [x, y, w, h] = field(a, 'bbox', isBbox, where);
    const imageId = field(a, 'image_id', isNumber, where);
    const entry = byId.get(imageId);
    if (!entry) throw new Error(`${where}: expected image_id of a listed image, got ${imageId}`);
    entry.gts.push(boxXyxy(x, y, x + w, y + h));
  });
  return [...byId.values()];
}

/** The size the app caches the image at. */
export function resizedSize(entry: EvalEntry, shortSide: number): { width: number; height: number } {
  return scaleToShortSide(entry.width, entry.height, shortSide);
}

/** GT boxes scaled per axis into the resized image's pixels. */
export function resizedGts(entry: EvalEntry, size: { width: number; height: number }): BoxXyxy[] {
  const [sx, sy] = [size.width / entry.width, size.height / entry.height];
  return entry.gts.map(([x0, y0, x1, y1]) => boxXyxy(x0 * sx, y0 * sy, x1 * sx, y1 * sy));
}

/** The resized image's RGBA bytes, as the encoder sees them. */
export async function readRgba(dir: string, entry: EvalEntry, size: { width: number; height: number }): Promise<RgbaImage> {
  const file = join(dir, entry.file);
  const meta = await sharp(file).metadata();
  if (meta.width !== entry.width || meta.height !== entry.height) {
    throw new Error(`${entry.file}: expected ${entry.width}×${entry.height} as annotated, got ${meta.width}×${meta.height}`);
  }
  const { width, height } = size;
  const { data, info } = await sharp(file)
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 4) {
    throw new Error(`${entry.file}: expected ${width}×${height}×4 after resizing, got ${info.width}×${info.height}×${info.channels}`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
