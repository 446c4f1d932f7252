import sharp, { type OverlayOptions } from 'sharp';
import { cropBackground, type Background, type Cutout, type RgbaImage } from './assets';
import type { Rng } from './rng';

export const SCENE_W = 480;
export const SCENE_H = 360;
export const JPEG_QUALITY = 85;

/** A pixel counts as object when its alpha is above this, in the mask and in the box. */
const OPAQUE = 127;
const MIN_OBJECTS = 2;
const MAX_OBJECTS = 6;
/** An object must keep this share of its pasted area visible, else it is left out. */
const MIN_VISIBLE_SHARE = 0.3;
const MIN_VISIBLE_AREA = 0.005 * SCENE_W * SCENE_H;
/** Small stamps (apples are ~50 px) turn to mush when blown up further than this. */
const MAX_UPSCALE = 2.5;
/** Up to this share of an object's width or height may hang outside the frame. */
const MAX_OVERHANG = 0.15;

export interface Placement {
  readonly cutout: Cutout;
  /** The cut-out as pasted: resized and possibly mirrored. */
  readonly img: RgbaImage;
  readonly left: number;
  readonly top: number;
}

export interface SceneObject {
  readonly category: number;
  readonly stamp: string;
  /** [x, y, w, h] in pixels, tight around the visible opaque pixels. */
  readonly bbox: [number, number, number, number];
  /** Number of visible opaque pixels. */
  readonly area: number;
}

export interface Scene {
  readonly jpeg: Buffer;
  readonly background: Background;
  readonly objects: SceneObject[];
}

async function place(cutout: Cutout, rng: Rng): Promise<Placement> {
  // Log-uniform widths give as many small objects as large ones, as in real photos.
  let w = SCENE_W * Math.exp(rng.uniform(Math.log(0.08), Math.log(0.45)));
  w = Math.min(w, cutout.width * MAX_UPSCALE);
  const aspect = cutout.height / cutout.width;
  w = Math.min(w, (0.8 * SCENE_H) / aspect);
  const width = Math.max(1, Math.round(w));
  const height = Math.max(1, Math.round(w * aspect));
  let pipeline = sharp(cutout.data, { raw: { width: cutout.width, height: cutout.height, channels: 4 } });
  pipeline = pipeline.resize(width, height, { fit: 'fill' });
  if (rng.chance(0.5)) pipeline = pipeline.flop();
  const data = await pipeline.raw().toBuffer();
  const left = rng.int(Math.round(-MAX_OVERHANG * width), Math.round(SCENE_W - (1 - MAX_OVERHANG) * width));
  const top = rng.int(Math.round(-MAX_OVERHANG * height), Math.round(SCENE_H - (1 - MAX_OVERHANG) * height));
  return { cutout, img: { data, width, height }, left, top };
}

interface Visibility {
  /** Opaque pixels of the whole pasted cut-out, including any part outside the frame. */
  readonly pasted: number;
  readonly visible: number;
  readonly bbox: [number, number, number, number];
}

/** Paints object indices into an owner map in paste order, so later pastes win. */
function paintOwners(placements: readonly Placement[]): { owner: Int16Array; pasted: number[] } {
  const owner = new Int16Array(SCENE_W * SCENE_H).fill(-1);
  const pasted = placements.map((p, index) => {
    let count = 0;
    for (let y = 0; y < p.img.height; y++) {
      for (let x = 0; x < p.img.width; x++) {
        if ((p.img.data[(y * p.img.width + x) * 4 + 3] ?? 0) <= OPAQUE) continue;
        count++;
        const sx = p.left + x;
        const sy = p.top + y;
        if (sx >= 0 && sy >= 0 && sx < SCENE_W && sy < SCENE_H) owner[sy * SCENE_W + sx] = index;
      }
    }
    return count;
  });
  return { owner, pasted };
}

export function measureVisibility(placements: readonly Placement[]): Visibility[] {
  const { owner, pasted } = paintOwners(placements);
  const acc = placements.map(() => ({ n: 0, x0: SCENE_W, y0: SCENE_H, x1: -1, y1: -1 }));
  for (let y = 0; y < SCENE_H; y++) {
    for (let x = 0; x < SCENE_W; x++) {
      const a = acc[owner[y * SCENE_W + x] ?? -1];
      if (a === undefined) continue;
      a.n++;
      a.x0 = Math.min(a.x0, x);
      a.y0 = Math.min(a.y0, y);
      a.x1 = Math.max(a.x1, x);
      a.y1 = Math.max(a.y1, y);
    }
  }
  return acc.map((a, i) => ({
    pasted: pasted[i] ?? 0,
    visible: a.n,
    bbox: a.n === 0 ? [0, 0, 0, 0] : [a.x0, a.y0, a.x1 - a.x0 + 1, a.y1 - a.y0 + 1],
  }));
}

const isVisibleEnough = (v: Visibility): boolean =>
  v.visible >= MIN_VISIBLE_AREA && v.visible >= MIN_VISIBLE_SHARE * v.pasted;

/**
 * Removes hidden objects from the scene itself rather than only from the labels, so no
 * unlabelled fragment stays in the picture. One at a time, topmost first: taking away an
 * occluder can bring an object beneath it back above the threshold.
 */
export function dropHidden(placements: readonly Placement[]): { kept: Placement[]; vis: Visibility[] } {
  let kept = [...placements];
  for (;;) {
    const vis = measureVisibility(kept);
    const worst = vis.findLastIndex((v) => !isVisibleEnough(v));
    if (worst < 0) return { kept, vis };
    kept = kept.filter((_, i) => i !== worst);
  }
}

/** The in-frame part of a placement, since composite() wants overlays inside the base. */
function clipToFrame(p: Placement): OverlayOptions | undefined {
  const x0 = Math.max(0, p.left);
  const y0 = Math.max(0, p.top);
  const width = Math.min(SCENE_W, p.left + p.img.width) - x0;
  const height = Math.min(SCENE_H, p.top + p.img.height) - y0;
  if (width <= 0 || height <= 0) return undefined;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const from = ((y0 - p.top + y) * p.img.width + (x0 - p.left)) * 4;
    p.img.data.copy(data, y * width * 4, from, from + width * 4);
  }
  return { input: data, raw: { width, height, channels: 4 }, left: x0, top: y0 };
}

async function planObjects(groups: readonly Cutout[][], rng: Rng): Promise<ReturnType<typeof dropHidden>> {
  for (let attempt = 0; ; attempt++) {
    const count = rng.int(MIN_OBJECTS, MAX_OBJECTS);
    const placements: Placement[] = [];
    for (let k = 0; k < count; k++) placements.push(await place(rng.pick(rng.pick(groups)), rng));
    const result = dropHidden(placements);
    if (result.kept.length >= MIN_OBJECTS) return result;
    if (attempt > 50) throw new Error('could not place enough visible objects');
  }
}

export async function composeScene(groups: readonly Cutout[][], backgrounds: readonly Background[], rng: Rng): Promise<Scene> {
  const background = rng.pick(backgrounds);
  const base = await cropBackground(background, rng, SCENE_W, SCENE_H);
  const { kept, vis } = await planObjects(groups, rng);
  const overlays = kept.map(clipToFrame).filter((o): o is OverlayOptions => o !== undefined);
  const jpeg = await sharp(base).composite(overlays).jpeg({ quality: JPEG_QUALITY, mozjpeg: true }).toBuffer();
  const objects = kept.map((p, i): SceneObject => {
    const v = vis[i];
    if (v === undefined) throw new Error('visibility missing');
    return { category: p.cutout.category, stamp: p.cutout.name, bbox: v.bbox, area: v.visible };
  });
  return { jpeg, background, objects };
}
