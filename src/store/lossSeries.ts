// Fast state: the loss of every step, in fixed-size ring buffers outside React. The worker's
// batches are appended here; charts read the buffers on animation frames and redraw only when
// `version` moved, so a training step never causes a React render.

export const LOSS_FIELDS = ['loss', 'class', 'l1', 'giou', 'lr', 'stepMs'] as const;
export type LossField = (typeof LOSS_FIELDS)[number];

export class LossSeries {
  readonly capacity: number;
  readonly steps: Float64Array;
  readonly values: Record<LossField, Float64Array>;
  /** Points written so far (the buffer holds the last `capacity` of them). */
  count = 0;
  /** Bumped on every change; a chart redraws when it differs from what it drew. */
  version = 0;

  constructor(capacity = 20_000) {
    this.capacity = capacity;
    this.steps = new Float64Array(capacity);
    this.values = Object.fromEntries(LOSS_FIELDS.map((f) => [f, new Float64Array(capacity)])) as Record<LossField, Float64Array>;
  }

  push(step: number, point: Record<LossField, number>): void {
    const i = this.count % this.capacity;
    this.steps[i] = step;
    for (const f of LOSS_FIELDS) this.values[f][i] = point[f];
    this.count += 1;
    this.version += 1;
  }

  clear(): void {
    this.count = 0;
    this.version += 1;
  }

  get length(): number {
    return Math.min(this.count, this.capacity);
  }

  /** Index into the buffers of the j-th oldest point still held (0 ≤ j < length). */
  at(j: number): number {
    const start = this.count > this.capacity ? this.count % this.capacity : 0;
    return (start + j) % this.capacity;
  }
}
