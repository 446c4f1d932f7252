// Reads a COCO results file the runner wrote (proposals.json, pseudo_labels_round<r>.json,
// predictions.json) back as unknown JSON and checks it against the format: a list of
// {file_name, image_id, bbox [x, y, w, h], score, category_id}, boxes of positive size inside their
// image (when the image sizes are given), each image's entries best score first, one file name per
// id. Used by the CI test and by the evaluation; every problem names the entry and the field.

import { readFileSync } from 'node:fs';
import type { CocoFileResult } from './outputs';

/** Boxes are rounded to 0.01 px; a clamped edge may sit this far outside after rounding. */
const EDGE_TOLERANCE = 0.011;

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);

export function readResultsFile(path: string, sizes?: ReadonlyMap<string, { width: number; height: number }>): CocoFileResult[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not readable JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return checkResults(path, json, sizes);
}

export function checkResults(where: string, json: unknown, sizes?: ReadonlyMap<string, { width: number; height: number }>): CocoFileResult[] {
  if (!Array.isArray(json)) throw new Error(`${where}: expected a list of COCO results, got ${typeof json}`);
  const fileOfId = new Map<number, string>();
  const lastScore = new Map<number, number>();
  return json.map((entry: unknown, i): CocoFileResult => {
    const at = `${where}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${at}: expected an object, got ${JSON.stringify(entry)}`);
    const e = entry as Record<string, unknown>;
    const keys = Object.keys(e).sort().join(',');
    if (keys !== 'bbox,category_id,file_name,image_id,score') throw new Error(`${at}: expected exactly file_name, image_id, bbox, score, category_id, got ${keys}`);
    const { file_name, image_id, bbox, score, category_id } = e;
    if (typeof file_name !== 'string' || file_name === '') throw new Error(`${at}.file_name: expected a non-empty string, got ${JSON.stringify(file_name)}`);
    if (!isInt(image_id) || image_id < 1) throw new Error(`${at}.image_id: expected a positive integer, got ${JSON.stringify(image_id)}`);
    if (!isInt(category_id) || category_id < 0) throw new Error(`${at}.category_id: expected a cluster id (integer ≥ 0), got ${JSON.stringify(category_id)}`);
    if (!isNumber(score) || score < 0 || score > 1) throw new Error(`${at}.score: expected a number in [0, 1], got ${JSON.stringify(score)}`);
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isNumber)) throw new Error(`${at}.bbox: expected [x, y, w, h], got ${JSON.stringify(bbox)}`);
    const [x, y, w, h] = bbox as [number, number, number, number];
    if (w <= 0 || h <= 0) throw new Error(`${at}.bbox: expected a positive width and height, got ${JSON.stringify(bbox)}`);
    const size = sizes?.get(file_name);
    if (sizes && !size) throw new Error(`${at}.file_name: expected one of the run's images, got ${JSON.stringify(file_name)}`);
    if (size && (x < -EDGE_TOLERANCE || y < -EDGE_TOLERANCE || x + w > size.width + EDGE_TOLERANCE || y + h > size.height + EDGE_TOLERANCE)) {
      throw new Error(`${at}.bbox: expected a box inside the ${size.width}×${size.height} image ${file_name}, got ${JSON.stringify(bbox)}`);
    }
    const known = fileOfId.get(image_id);
    if (known !== undefined && known !== file_name) throw new Error(`${at}: image_id ${image_id} is ${known} elsewhere, not ${file_name}`);
    fileOfId.set(image_id, file_name);
    const previous = lastScore.get(image_id);
    if (previous !== undefined && score > previous) throw new Error(`${at}.score: expected the image's entries best first, got ${score} after ${previous}`);
    lastScore.set(image_id, score);
    return { file_name, image_id, bbox: [x, y, w, h], score, category_id };
  });
}
