// COCO and Label Studio builders: cached-copy boxes land in original pixels, clamped; a built dataset
// survives JSON and the validating parser unchanged; and each kind of bad input names its field.
import { describe, expect, it } from 'vitest';
import { boxXyxy } from './boxes';
import { cocoEvaluate } from './cocoEval';
import { cachedScale, cocoDataset, cocoResults, labelStudioPredictions, parseCocoDataset, type CachedImageBoxes, type CocoCategory, type CocoImage } from './cocoFormat';

const images: CocoImage[] = [
  { id: 1, file_name: 'a.jpg', width: 1280, height: 960 },
  { id: 2, file_name: 'dir/b.png', width: 640, height: 480 },
];
const categories: CocoCategory[] = [
  { id: 1, name: 'cat' },
  { id: 7, name: 'dog', supercategory: 'animal' },
];
/** Image 1 cached at 320×240 (scale 4), image 2 at 320×256 (anisotropic: 2 × 1.875). */
const boxes: CachedImageBoxes[] = [
  {
    imageId: 1,
    scale: cachedScale(images[0]!, { width: 320, height: 240 }),
    boxes: [
      { box: boxXyxy(10, 20, 30, 60), categoryId: 1, score: 0.9 },
      { box: boxXyxy(300, 200, 400, 300), categoryId: 7, score: 0.5 }, // overhangs the bottom-right corner
      { box: boxXyxy(-50, -50, -10, -10), categoryId: 1, score: 0.4 }, // wholly outside: dropped
    ],
  },
  { imageId: 2, scale: cachedScale(images[1]!, { width: 320, height: 256 }), boxes: [{ box: boxXyxy(0.1, 0, 100.05, 128), categoryId: 7, score: 0.7 }] },
];

describe('COCO builders', () => {
  it('scales cached boxes to original pixels per axis, clamps them and drops empty ones', () => {
    expect(cachedScale(images[1]!, { width: 320, height: 256 })).toEqual({ x: 2, y: 1.875 });
    const ds = cocoDataset(images, categories, boxes);
    expect(ds.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 1, bbox: [40, 80, 80, 160], area: 12800, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 7, bbox: [1200, 800, 80, 160], area: 12800, iscrowd: 0 },
      { id: 3, image_id: 2, category_id: 7, bbox: [0.2, 0, 199.9, 240], area: 47976, iscrowd: 0 },
    ]);
    expect(ds.images).toEqual(images);
    expect(ds.categories).toEqual(categories);
  });

  it('writes results with scores that evaluate to AP 1 against the same boxes', () => {
    const results = cocoResults(images, categories, boxes);
    expect(results.map((r) => r.score)).toEqual([0.9, 0.5, 0.7]);
    expect(results[0]).toEqual({ image_id: 1, category_id: 1, bbox: [40, 80, 80, 160], score: 0.9 });
    const ap = cocoEvaluate(cocoDataset(images, categories, boxes), results).ap;
    expect(ap).toBeCloseTo(1, 12);
  });

  it('refuses boxes of unknown images or categories, naming the entry', () => {
    expect(() => cocoDataset(images, categories, [{ ...boxes[1]!, imageId: 9 }])).toThrow(/cocoDataset: boxes\[0\]\.imageId: expected the id of one of the 2 images, got 9/);
    const badCategory: CachedImageBoxes = { imageId: 2, scale: { x: 1, y: 1 }, boxes: [{ box: boxXyxy(0, 0, 5, 5), categoryId: 3 }] };
    expect(() => cocoResults(images, categories, [badCategory])).toThrow(/cocoResults: boxes\[0\]\.boxes\[0\]\.categoryId: expected the id of one of the 2 categories, got 3/);
  });

  it('survives JSON and the parser unchanged', () => {
    const ds = cocoDataset(images, categories, boxes);
    const parsed = parseCocoDataset(JSON.parse(JSON.stringify(ds)));
    expect(parsed).toEqual({ ok: true, dataset: ds });
  });
});

describe('Label Studio predictions', () => {
  it('gives one task per image with percent boxes, label names and scores', () => {
    const tasks = labelStudioPredictions(images, categories, boxes, { modelVersion: 'simdetr-r1', imageUrl: (im) => `/data/local-files/?d=${im.file_name}` });
    expect(tasks).toHaveLength(2);
    expect(tasks[0]?.data.image).toBe('/data/local-files/?d=a.jpg');
    const [p] = tasks[0]?.predictions ?? [];
    expect(p?.model_version).toBe('simdetr-r1');
    expect(p?.score).toBeCloseTo((0.9 + 0.5) / 2, 12);
    expect(p?.result[0]).toEqual({
      id: '1-0',
      type: 'rectanglelabels',
      from_name: 'label',
      to_name: 'image',
      original_width: 1280,
      original_height: 960,
      value: { x: 3.125, y: 80 / 9.6, width: 6.25, height: 160 / 9.6, rotation: 0, rectanglelabels: ['cat'] },
      score: 0.9,
    });
    const clamped = p?.result[1]?.value;
    expect((clamped?.x ?? 0) + (clamped?.width ?? 0)).toBeCloseTo(100, 12);
    expect((clamped?.y ?? 0) + (clamped?.height ?? 0)).toBeCloseTo(100, 12);
    expect(p?.result[1]?.value.rectanglelabels).toEqual(['dog']);
  });

  it('leaves images without boxes without a prediction and takes the config names', () => {
    const tasks = labelStudioPredictions(images, categories, [boxes[1]!], { modelVersion: 'v', fromName: 'box', toName: 'photo' });
    expect(tasks[0]).toEqual({ data: { image: 'a.jpg' }, predictions: [] });
    expect(tasks[1]?.predictions[0]?.result[0]).toMatchObject({ from_name: 'box', to_name: 'photo', score: 0.7 });
  });
});

describe('parseCocoDataset', () => {
  const valid = () => ({
    info: { description: 'kept out' },
    images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 50, license: 3 }],
    categories: [{ id: 2, name: 'thing' }],
    annotations: [
      { id: 10, image_id: 1, category_id: 2, bbox: [10, 10, 20, 20], segmentation: [[1, 2, 3]] },
      { id: 11, image_id: 1, category_id: 2, bbox: [0, 0, 100.5, 50], area: 7, iscrowd: 1 }, // 0.5 px overhang: inside
    ],
  });

  it('accepts a real-world COCO file, fills area and iscrowd, and drops unused fields', () => {
    const r = parseCocoDataset(valid());
    expect(r).toEqual({
      ok: true,
      dataset: {
        images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 50 }],
        categories: [{ id: 2, name: 'thing' }],
        annotations: [
          { id: 10, image_id: 1, category_id: 2, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
          { id: 11, image_id: 1, category_id: 2, bbox: [0, 0, 100.5, 50], area: 7, iscrowd: 1 },
        ],
      },
    });
  });

  type Edit = (d: ReturnType<typeof valid>) => unknown;
  const ann = (d: ReturnType<typeof valid>) => d.annotations[0] as Record<string, unknown>;
  const cases: [string, Edit, RegExp][] = [
    ['not an object', () => [1, 2], /^dataset: expected a JSON object with images, categories and annotations, got an array$/],
    ['a missing list', (d) => ({ images: d.images, annotations: d.annotations }), /^categories: expected this required field, got nothing$/],
    ['a string id', (d) => ((d.images[0] as Record<string, unknown>).id = '1', d), /^images\[0\]\.id: expected an integer id, got "1"$/],
    ['a fractional width', (d) => ((d.images[0] as Record<string, unknown>).width = 99.5, d), /^images\[0\]\.width: expected a positive integer, got 99\.5$/],
    ['a missing file_name', (d) => (delete (d.images[0] as Record<string, unknown>).file_name, d), /^images\[0\]\.file_name: expected this required field, got nothing$/],
    ['a short bbox', (d) => ((ann(d).bbox = [1, 2, 3]), d), /^annotations\[0\]\.bbox\[3\]: expected a number, got undefined$/],
    ['a bbox of five numbers', (d) => ((ann(d).bbox = [1, 2, 3, 4, 5]), d), /^annotations\[0\]\.bbox\[4\]: expected \[x, y, width, height\], got 5$/],
    ['an infinite coordinate', (d) => ((ann(d).bbox = [1, 2, 3, Infinity]), d), /^annotations\[0\]\.bbox\[3\]: expected a finite number, got Infinity$/],
    ['a list that is not an array', (d) => ({ ...d, annotations: {} }), /^annotations: expected an array, got Object$/],
    ['a bbox that is not numbers', (d) => ((ann(d).bbox = [1, 2, 'x', 4]), d), /^annotations\[0\]\.bbox\[2\]: expected a number, got "x"$/],
    ['an iscrowd of 2', (d) => ((ann(d).iscrowd = 2), d), /^annotations\[0\]\.iscrowd: expected 0 or 1, got 2$/],
    ['an unknown image', (d) => ((ann(d).image_id = 5), d), /^annotations\[0\]\.image_id: expected the id of an image, got 5$/],
    ['an unknown category', (d) => ((ann(d).category_id = 1), d), /^annotations\[0\]\.category_id: expected the id of a category, got 1$/],
    ['a zero-width box', (d) => ((ann(d).bbox = [10, 10, 0, 5]), d), /^annotations\[0\]\.bbox: expected width and height > 0, got \[10, 10, 0, 5\]$/],
    ['a box outside its image', (d) => ((ann(d).bbox = [90, 10, 20, 20]), d), /^annotations\[0\]\.bbox: expected a box inside its 100×50 image, got \[90, 10, 20, 20\]$/],
    ['a negative corner', (d) => ((ann(d).bbox = [-3, 10, 20, 20]), d), /^annotations\[0\]\.bbox: expected a box inside/],
    ['a duplicate image id', (d) => ({ ...d, images: [...d.images, { ...d.images[0]! }] }), /^images\[1\]\.id: expected a unique id, got 1 again \(first at images\[0\]\)$/],
    ['a duplicate annotation id', (d) => ((d.annotations[1]!.id = 10), d), /^annotations\[1\]\.id: expected a unique id, got 10 again/],
  ];

  for (const [what, edit, message] of cases) {
    it(`names the field of ${what}`, () => {
      const r = parseCocoDataset(edit(valid()));
      expect(r.ok).toBe(false);
      const errors = r.ok ? [] : r.errors;
      expect(errors.some((e) => message.test(e)), errors.join('\n')).toBe(true);
    });
  }

  it('refuses null and numbers as a whole', () => {
    expect(parseCocoDataset(null)).toEqual({ ok: false, errors: [expect.stringMatching(/^dataset: .* got null$/)] });
    expect(parseCocoDataset(3)).toEqual({ ok: false, errors: [expect.stringMatching(/^dataset: .* got 3$/)] });
  });

  it('reports every problem, summarising past 50', () => {
    const d = valid();
    const many = Array.from({ length: 60 }, (_, i) => ({ id: 100 + i, image_id: 9, category_id: 2, bbox: [0, 0, 1, 1] }));
    const r = parseCocoDataset({ ...d, annotations: many });
    const errors = r.ok ? [] : r.errors;
    expect(errors).toHaveLength(51);
    expect(errors[59 - 10]).toMatch(/^annotations\[49\]\.image_id/);
    expect(errors[50]).toBe('… and 10 more problems');
  });
});
