import { join } from 'node:path';
import sharp from 'sharp';
import type { Rng } from './rng';
import { BACKGROUNDS, CATEGORIES, STAMP_ROOT, type BackgroundSpec } from './sources';

/** An RGBA image held as raw, non-premultiplied bytes. */
export interface RgbaImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface Cutout extends RgbaImage {
  /** Index into CATEGORIES. */
  readonly category: number;
  readonly name: string;
}

// Stamps carry faint alpha specks around the object; ignoring them when trimming keeps
// the scale of a pasted object tied to what is actually visible.
const TRIM_ALPHA = 16;

function trimToAlpha(img: RgbaImage): RgbaImage {
  let x0 = img.width;
  let y0 = img.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if ((img.data[(y * img.width + x) * 4 + 3] ?? 0) < TRIM_ALPHA) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) throw new Error('stamp is fully transparent');
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * img.width + x0) * 4;
    img.data.copy(data, y * width * 4, from, from + width * 4);
  }
  return { data, width, height };
}

export async function readRgba(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`${path}: expected 4 channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** Every curated stamp, grouped by category in CATEGORIES order. */
export async function loadCutouts(root: string): Promise<Cutout[][]> {
  const groups: Cutout[][] = [];
  for (const [category, spec] of CATEGORIES.entries()) {
    const group: Cutout[] = [];
    for (const name of spec.stamps) {
      const img = trimToAlpha(await readRgba(join(root, STAMP_ROOT, spec.dir, `${name}.png`)));
      group.push({ ...img, category, name });
    }
    groups.push(group);
  }
  return groups;
}

export interface Background {
  readonly spec: BackgroundSpec;
  readonly file: string;
  readonly width: number;
  readonly height: number;
}

export async function loadBackgrounds(root: string): Promise<Background[]> {
  const out: Background[] = [];
  for (const spec of BACKGROUNDS) {
    const file = join(root, spec.path);
    const meta = await sharp(file).metadata();
    if (meta.orientation !== undefined && meta.orientation !== 1) {
      // extract() works on stored pixels; a rotated photo would need autoOrient first.
      throw new Error(`${file}: EXIF orientation ${meta.orientation} is not handled`);
    }
    out.push({ spec, file, width: meta.width, height: meta.height });
  }
  return out;
}

/**
 * A random crop with the scene's aspect ratio, scaled to the scene size. Crops span
 * 45–100% of the largest possible crop so that the same few photos give varied scenes,
 * from wide views to close-up textures.
 */
export async function cropBackground(bg: Background, rng: Rng, width: number, height: number): Promise<Buffer> {
  const aspect = width / height;
  const maxW = Math.min(bg.width, bg.height * aspect);
  const cropW = Math.max(width, Math.round(maxW * rng.uniform(0.45, 1)));
  const cropH = Math.min(bg.height, Math.round(cropW / aspect));
  const left = rng.int(0, bg.width - cropW);
  const top = rng.int(0, bg.height - cropH);
  let img = sharp(bg.file).extract({ left, top, width: cropW, height: cropH }).resize(width, height, { fit: 'fill' });
  if (rng.chance(0.5)) img = img.flop();
  return img.removeAlpha().png().toBuffer();
}
