// Boxes, as in detr's util/box_ops.py: two branded formats so a centre-size box can never be passed
// where a corner box is expected, plain-number IoU / GIoU for proposals and NMS, and tensor versions
// (differentiable: slice, minimum, maximum, relu, div only) for the DETR matcher and criterion.
//
// Dimensions: N, M boxes. Formats: xyxy = (x0, y0, x1, y1) with x1 ≥ x0, y1 ≥ y0;
// cxcywh = (centre x, centre y, width, height). Units are the caller's (pixels or [0, 1]).
import * as tf from '@tensorflow/tfjs';

type Quad = readonly [number, number, number, number];
export type BoxXyxy = Quad & { readonly __brand: 'xyxy' };
export type BoxCxcywh = Quad & { readonly __brand: 'cxcywh' };

/** Division guard: degenerate boxes (zero union or zero enclosing area) give IoU 0, not NaN. */
const EPS = 1e-9;

export function boxXyxy(x0: number, y0: number, x1: number, y1: number): BoxXyxy {
  return [x0, y0, x1, y1] as const as BoxXyxy;
}

export function boxCxcywh(cx: number, cy: number, w: number, h: number): BoxCxcywh {
  return [cx, cy, w, h] as const as BoxCxcywh;
}

export function toXyxy(b: BoxCxcywh): BoxXyxy {
  const [cx, cy, w, h] = b;
  return boxXyxy(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
}

export function toCxcywh(b: BoxXyxy): BoxCxcywh {
  const [x0, y0, x1, y1] = b;
  return boxCxcywh((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0);
}

/** Area of a box; inverted boxes count as empty. */
export function boxArea(b: BoxXyxy): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

function intersectionArea(a: BoxXyxy, b: BoxXyxy): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return Math.max(0, w) * Math.max(0, h);
}

/** Intersection over union in [0, 1]. */
export function boxIou(a: BoxXyxy, b: BoxXyxy): number {
  const inter = intersectionArea(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  return inter / Math.max(union, EPS);
}

/** Generalized IoU (Rezatofighi et al. 2019) in [-1, 1]: IoU minus the empty share of the hull. */
export function boxGiou(a: BoxXyxy, b: BoxXyxy): number {
  const inter = intersectionArea(a, b);
  const union = boxArea(a) + boxArea(b) - inter;
  const hull =
    (Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  return inter / Math.max(union, EPS) - (hull - union) / Math.max(hull, EPS);
}

type Quad4 = [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];

/** Splits [N, 4] into four [N, 1] columns. */
function columns(t: tf.Tensor2D): Quad4 {
  const [a, b, c, d] = tf.split(t, 4, 1) as tf.Tensor2D[];
  if (!a || !b || !c || !d) throw new Error(`expected boxes of shape [N, 4], got [${t.shape}]`);
  return [a, b, c, d];
}

export function boxCxcywhToXyxy(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [cx, cy, w, h] = columns(boxes); // each [N, 1]
    const hw = tf.mul(w, 0.5);
    const hh = tf.mul(h, 0.5);
    const corners: tf.Tensor2D[] = [tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)];
    return tf.concat(corners, 1); // [N, 4]
  });
}

export function boxXyxyToCxcywh(boxes: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = columns(boxes); // each [N, 1]
    const cx: tf.Tensor2D = tf.mul(tf.add(x0, x1), 0.5);
    const cy: tf.Tensor2D = tf.mul(tf.add(y0, y1), 0.5);
    const parts: tf.Tensor2D[] = [cx, cy, tf.sub(x1, x0), tf.sub(y1, y0)];
    return tf.concat(parts, 1); // [N, 4]
  });
}

/**
 * Pairwise generalized IoU of xyxy boxes: a [N, 4] × b [M, 4] → [N, M], differentiable in both.
 * Degenerate pairs follow the plain-number version (guarded division).
 */
export function generalizedBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const shape: [number, number] = [a.shape[0], b.shape[0]];
    // minimum/maximum's gradients do not sum over broadcast axes in tfjs 4.22, so every operand of
    // theirs is broadcast explicitly to [N, M] first.
    const full = (c: tf.Tensor2D): tf.Tensor2D => tf.broadcastTo(c, shape);
    const [ax0, ay0, ax1, ay1] = columns(a).map(full) as Quad4; // each [N, M]
    const [bx0, by0, bx1, by1] = columns(b).map((c) => full(tf.transpose(c))) as Quad4; // each [N, M]
    const areaA = tf.mul(tf.relu(tf.sub(ax1, ax0)), tf.relu(tf.sub(ay1, ay0))); // [N, M]
    const areaB = tf.mul(tf.relu(tf.sub(bx1, bx0)), tf.relu(tf.sub(by1, by0))); // [N, M]
    const iw = tf.relu(tf.sub(tf.minimum(ax1, bx1), tf.maximum(ax0, bx0))); // [N, M]
    const ih = tf.relu(tf.sub(tf.minimum(ay1, by1), tf.maximum(ay0, by0))); // [N, M]
    const inter = tf.mul(iw, ih); // [N, M]
    const union = tf.sub(tf.add(areaA, areaB), inter); // [N, M]
    const hw = tf.sub(tf.maximum(ax1, bx1), tf.minimum(ax0, bx0)); // [N, M]
    const hh = tf.sub(tf.maximum(ay1, by1), tf.minimum(ay0, by0)); // [N, M]
    const hull = tf.mul(hw, hh); // [N, M]
    const iou = tf.div(inter, tf.maximum(union, EPS)); // [N, M]
    return tf.sub(iou, tf.div(tf.sub(hull, union), tf.maximum(hull, EPS))); // [N, M]
  });
}

/**
 * GIoU of each row of a with the same row of b: [N, 4] and [N, 4] xyxy → [N]. The diagonal of
 * generalizedBoxIou(a, b), which the loss of matched pairs needs, without its N × N work: there the
 * broadcasts are tiles, and tfjs differentiates a tile with one slice and one add per repeat (2,600
 * kernels of a laptop step when this diagonal came from the full matrix).
 */
export function pairedGeneralizedBoxIou(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  if (a.shape[0] !== b.shape[0]) throw new Error(`pairedGeneralizedBoxIou: expected as many rows in both, got ${a.shape[0]} and ${b.shape[0]}`);
  return tf.tidy(() => {
    const [ax0, ay0, ax1, ay1] = columns(a); // each [N, 1]
    const [bx0, by0, bx1, by1] = columns(b); // each [N, 1]
    const areaA = tf.mul(tf.relu(tf.sub(ax1, ax0)), tf.relu(tf.sub(ay1, ay0))); // [N, 1]
    const areaB = tf.mul(tf.relu(tf.sub(bx1, bx0)), tf.relu(tf.sub(by1, by0))); // [N, 1]
    const iw = tf.relu(tf.sub(tf.minimum(ax1, bx1), tf.maximum(ax0, bx0))); // [N, 1]
    const ih = tf.relu(tf.sub(tf.minimum(ay1, by1), tf.maximum(ay0, by0))); // [N, 1]
    const inter = tf.mul(iw, ih); // [N, 1]
    const union = tf.sub(tf.add(areaA, areaB), inter); // [N, 1]
    const hull = tf.mul(tf.sub(tf.maximum(ax1, bx1), tf.minimum(ax0, bx0)), tf.sub(tf.maximum(ay1, by1), tf.minimum(ay0, by0))); // [N, 1]
    const iou = tf.div(inter, tf.maximum(union, EPS)); // [N, 1]
    return tf.reshape(tf.sub(iou, tf.div(tf.sub(hull, union), tf.maximum(hull, EPS))), [-1]); // [N]
  });
}
