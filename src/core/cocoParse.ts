// Reads a COCO detection file a person brings (the labeled images of the downstream check): the
// schema with valibot, then what a schema cannot say: unique ids, every annotation's image and
// category exist, every box has positive size and lies inside its image. Each error starts with the
// path of the field (`annotations[3].bbox: …`). Fields COCO has and the studio does not use
// (info, licenses, segmentation, …) are allowed and dropped.
import * as v from 'valibot';
import type { CocoAnnotation, CocoDataset } from './cocoFormat';

/** Annotation tools round: a box may overhang its image by this many pixels and still count as inside. */
export const BBOX_TOLERANCE_PX = 1;
/** More errors than this are summarised in one last line. */
const MAX_ERRORS = 50;

/** valibot message in the studio's form: what was expected, what came. */
const expected =
  (what: string) =>
  (issue: v.BaseIssue<unknown>): string =>
    `expected ${what}, got ${issue.received}`;

const id = v.pipe(v.number(expected('an integer id')), v.integer(expected('an integer id')));
const size = v.pipe(v.number(expected('a positive integer')), v.integer(expected('a positive integer')), v.minValue(1, expected('a positive integer')));
const coord = v.pipe(v.number(expected('a number')), v.finite(expected('a finite number')));
const text = v.string(expected('a string'));
const list = <T extends v.GenericSchema>(item: T) => v.array(item, expected('an array'));
/** An object's own issues: the object itself of the wrong type, or one of its keys missing (expected '"key"'). */
const objectMessage = (issue: v.BaseIssue<unknown>): string =>
  issue.expected?.startsWith('"') ? 'expected this required field, got nothing' : expected('an object')(issue);
const record = <T extends v.ObjectEntries>(entries: T) => v.object(entries, objectMessage);

const schema = record({
  images: list(record({ id, file_name: text, width: size, height: size })),
  categories: list(record({ id, name: text, supercategory: v.optional(text) })),
  annotations: list(
    record({
      id,
      image_id: id,
      category_id: id,
      bbox: v.strictTuple([coord, coord, coord, coord], expected('[x, y, width, height]')),
      area: v.optional(v.pipe(v.number(expected('a number')), v.finite(expected('a finite number')), v.minValue(0, expected('an area ≥ 0')))),
      iscrowd: v.optional(v.picklist([0, 1], expected('0 or 1'))),
      /** The studio's own label files carry each box's confidence. */
      score: v.optional(v.pipe(v.number(expected('a number')), v.finite(expected('a finite number')), v.minValue(0, expected('a score in [0, 1]')), v.maxValue(1, expected('a score in [0, 1]')))),
    }),
  ),
});

export type CocoParseResult = { ok: true; dataset: CocoDataset } | { ok: false; errors: string[] };

function pathOf(issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).reduce((p, item) => {
    const key: unknown = item.key;
    return typeof key === 'number' ? `${p}[${key}]` : `${p}${p === '' ? '' : '.'}${String(key)}`;
  }, '');
  return path === '' ? 'dataset' : path;
}

/** `${list}[i].id: duplicate id …` for every repeated id. */
function duplicateIds(list: string, items: readonly { id: number }[], errors: string[]): void {
  const first = new Map<number, number>();
  items.forEach((it, i) => {
    const seen = first.get(it.id);
    if (seen === undefined) first.set(it.id, i);
    else errors.push(`${list}[${i}].id: expected a unique id, got ${it.id} again (first at ${list}[${seen}])`);
  });
}

type Placed = Pick<CocoAnnotation, 'image_id' | 'category_id' | 'bbox'>;

function checkAnnotation(a: Placed, i: number, images: Map<number, { width: number; height: number }>, categories: Set<number>, errors: string[]): void {
  const where = `annotations[${i}]`;
  const image = images.get(a.image_id);
  if (image === undefined) errors.push(`${where}.image_id: expected the id of an image, got ${a.image_id}`);
  if (!categories.has(a.category_id)) errors.push(`${where}.category_id: expected the id of a category, got ${a.category_id}`);
  const [x, y, w, h] = a.bbox;
  const shown = `[${a.bbox.join(', ')}]`;
  if (!(w > 0 && h > 0)) errors.push(`${where}.bbox: expected width and height > 0, got ${shown}`);
  else if (image !== undefined) {
    const t = BBOX_TOLERANCE_PX;
    if (x < -t || y < -t || x + w > image.width + t || y + h > image.height + t) {
      errors.push(`${where}.bbox: expected a box inside its ${image.width}×${image.height} image, got ${shown}`);
    }
  }
}

/** Validates unknown JSON as a COCO detection dataset; every problem is reported, by path. */
export function parseCocoDataset(json: unknown): CocoParseResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, errors: [`dataset: expected a JSON object with images, categories and annotations, got ${Array.isArray(json) ? 'an array' : String(json)}`] };
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) return { ok: false, errors: capped(parsed.issues.map((issue) => `${pathOf(issue)}: ${issue.message}`)) };
  const { images, categories, annotations } = parsed.output;
  const errors: string[] = [];
  duplicateIds('images', images, errors);
  duplicateIds('categories', categories, errors);
  duplicateIds('annotations', annotations, errors);
  const imageById = new Map(images.map((im) => [im.id, im]));
  const categoryIds = new Set(categories.map((c) => c.id));
  annotations.forEach((a, i) => checkAnnotation({ ...a, bbox: [...a.bbox] }, i, imageById, categoryIds, errors));
  if (errors.length > 0) return { ok: false, errors: capped(errors) };
  const anns: CocoAnnotation[] = annotations.map((a) => ({
    id: a.id,
    image_id: a.image_id,
    category_id: a.category_id,
    bbox: [...a.bbox],
    area: a.area ?? a.bbox[2] * a.bbox[3],
    iscrowd: a.iscrowd ?? 0,
    ...(a.score === undefined ? {} : { score: a.score }),
  }));
  return { ok: true, dataset: { images, categories: categories.map((c) => (c.supercategory === undefined ? { id: c.id, name: c.name } : c)), annotations: anns } };
}

function capped(errors: string[]): string[] {
  return errors.length <= MAX_ERRORS ? errors : [...errors.slice(0, MAX_ERRORS), `… and ${errors.length - MAX_ERRORS} more problems`];
}
