import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Cutout } from './assets';
import type { CocoDataset, Manifest } from './coco';
import { dropHidden, measureVisibility, type Placement } from './compose';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/demo');
const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(demoDir, name), 'utf8')) as T;

function totalBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? totalBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

describe('committed demo dataset', () => {
  const coco = readJson<CocoDataset>('annotations.json');
  const manifest = readJson<Manifest>('manifest.json');

  it('has 60-100 images, listed in the same order by manifest and COCO', () => {
    expect(coco.images.length).toBeGreaterThanOrEqual(60);
    expect(coco.images.length).toBeLessThanOrEqual(100);
    expect(manifest.images).toEqual(coco.images.map((im) => im.file_name));
  });

  it('has JPEG files whose real size matches the COCO entries', async () => {
    for (const im of coco.images) {
      const meta = await sharp(join(demoDir, 'images', im.file_name)).metadata();
      expect(meta.format, im.file_name).toBe('jpeg');
      expect([meta.width, meta.height], im.file_name).toEqual([im.width, im.height]);
    }
  });

  it('has unique ids and valid references', () => {
    const unique = (ids: number[]): boolean => new Set(ids).size === ids.length;
    expect(unique(coco.images.map((im) => im.id))).toBe(true);
    expect(unique(coco.annotations.map((a) => a.id))).toBe(true);
    expect(unique(coco.categories.map((c) => c.id))).toBe(true);
    const imageIds = new Set(coco.images.map((im) => im.id));
    const categoryIds = new Set(coco.categories.map((c) => c.id));
    for (const a of coco.annotations) {
      expect(imageIds.has(a.image_id), `annotation ${a.id}`).toBe(true);
      expect(categoryIds.has(a.category_id), `annotation ${a.id}`).toBe(true);
      expect(a.iscrowd).toBe(0);
    }
  });

  it('gives every image 2-6 boxes, each inside the image with positive size', () => {
    for (const im of coco.images) {
      const anns = coco.annotations.filter((a) => a.image_id === im.id);
      expect(anns.length, im.file_name).toBeGreaterThanOrEqual(2);
      expect(anns.length, im.file_name).toBeLessThanOrEqual(6);
      for (const { id, bbox, area } of anns) {
        const [x, y, w, h] = bbox;
        expect(Number.isInteger(x) && Number.isInteger(y) && w > 0 && h > 0, `annotation ${id}`).toBe(true);
        expect(x >= 0 && y >= 0 && x + w <= im.width && y + h <= im.height, `annotation ${id}`).toBe(true);
        // area counts visible pixels, which all lie inside the box.
        expect(area > 0 && area <= w * h, `annotation ${id}`).toBe(true);
      }
    }
  });

  it('ships every licence file that the README links to', () => {
    const readme = readFileSync(join(demoDir, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\((LICENSES\/[^)]+)\)/g)].map((m) => m[1] ?? '');
    for (const pkg of ['tuxpaint-stamps-default', 'mate-backgrounds', 'palapeli-data']) {
      expect(linked).toContain(`LICENSES/${pkg}.copyright.txt`);
    }
    for (const path of linked) expect(statSync(join(demoDir, path)).size, path).toBeGreaterThan(0);
  });

  it('stays under 4 MB', () => {
    expect(totalBytes(demoDir)).toBeLessThan(4 * 1024 * 1024);
  });
});

/** A fully opaque square cut-out, already "pasted" at the given place. */
function square(size: number, left: number, top: number, alpha = 255): Placement {
  const data = Buffer.alloc(size * size * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = alpha;
  const cutout: Cutout = { data, width: size, height: size, category: 0, name: 'square' };
  return { cutout, img: cutout, left, top };
}

describe('visibility after occlusion', () => {
  it('clips the box of an object to the part that a later paste leaves visible', () => {
    const under = square(100, 100, 100);
    const over = square(100, 50, 100); // covers the left half of `under`
    const [a, b] = measureVisibility([under, over]);
    expect(a).toEqual({ pasted: 10000, visible: 5000, bbox: [150, 100, 50, 100] });
    expect(b?.bbox).toEqual([50, 100, 100, 100]);
  });

  it('counts only alpha above 127 and clips to the frame', () => {
    expect(measureVisibility([square(40, 0, 0, 127)])[0]?.visible).toBe(0);
    const edge = measureVisibility([square(100, -30, 300, 128)])[0];
    expect(edge).toEqual({ pasted: 10000, visible: 70 * 60, bbox: [0, 300, 70, 60] });
  });

  it('removes hidden objects from the scene, so they do not occlude anything else', () => {
    const bottom = square(100, 0, 0);
    // 2000 px stay visible, above the 0.5%-of-image floor but only 20% of its area.
    const hidden = square(100, 200, 0);
    const top = square(100, 200, 20);
    const small = square(25, 350, 300); // 625 px: under the 0.5%-of-image floor
    const { kept, vis } = dropHidden([bottom, hidden, top, small]);
    expect(kept).toEqual([bottom, top]);
    expect(vis.map((v) => v.bbox)).toEqual([[0, 0, 100, 100], [200, 20, 100, 100]]);
  });
});
