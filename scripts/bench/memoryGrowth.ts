// What a soak's memory samples (soakRun.ts) say after a burn-in: growth per 100 steps of the
// worker's tensors, their bytes, what the backend holds for them (the wasm heap or its GPU memory),
// and the JS heaps of the worker and the page. Tensors, bytes and the backend's memory are exact
// counts, so any change at all is a leak; the heaps are read after a full collection, and
// their growth is a least-squares slope, which one late allocation (a JIT's code, a cache filled
// once) moves far less than a per-step leak does.

import type { HeapSample, TensorSample } from './soakRun';

export interface Series {
  min: number;
  max: number;
  /** Least-squares slope per 100 steps. */
  per100: number;
}

export interface Growth {
  fromStep: number;
  toStep: number;
  tensorReports: number;
  heapReadings: number;
  tensors: Series;
  bytes: Series;
  /** null when the backend reports none (CPU). */
  backend: Series | null;
  workerHeap: Series;
  pageHeap: Series;
}

function series(points: { x: number; y: number }[]): Series {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const ys = points.map((p) => p.y);
  return { min: Math.min(...ys), max: Math.max(...ys), per100: sxx === 0 ? 0 : (100 * sxy) / sxx };
}

/** Growth over the samples after step `burnIn`; throws when fewer than two of a kind remain. */
export function memoryGrowth(tensorSamples: TensorSample[], heapSamples: HeapSample[], burnIn: number): Growth {
  const tensors = tensorSamples.filter((s) => s.step > burnIn);
  const heaps = heapSamples.filter((s) => s.step > burnIn);
  if (tensors.length < 2 || heaps.length < 2) {
    throw new Error(`expected at least 2 tensor reports and 2 heap readings after step ${burnIn}, got ${tensors.length} and ${heaps.length}`);
  }
  const of = <T extends { step: number }>(xs: T[], y: (s: T) => number) => series(xs.map((s) => ({ x: s.step, y: y(s) })));
  return {
    fromStep: Math.min(tensors[0]!.step, heaps[0]!.step),
    toStep: Math.max(tensors.at(-1)!.step, heaps.at(-1)!.step),
    tensorReports: tensors.length,
    heapReadings: heaps.length,
    tensors: of(tensors, (s) => s.numTensors),
    bytes: of(tensors, (s) => s.numBytes),
    backend: tensors.every((s) => s.backendBytes !== null) ? of(tensors, (s) => s.backendBytes ?? 0) : null,
    workerHeap: of(heaps, (s) => s.workerBytes),
    pageHeap: of(heaps, (s) => s.pageBytes),
  };
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** One line per quantity, for the test's output and the bench's. */
export function describeGrowth(g: Growth): string[] {
  const heap = (name: string, s: Series) => `  ${name} ${kib(s.per100).padStart(11)}   (after GC, ${mib(s.min)}–${mib(s.max)})`;
  return [
    `growth per 100 steps over steps ${g.fromStep}–${g.toStep} (${g.tensorReports} tensor reports, ${g.heapReadings} heap readings):`,
    `  tensors     ${g.tensors.per100.toFixed(2).padStart(11)}   (${g.tensors.min}–${g.tensors.max})`,
    `  bytes       ${`${g.bytes.per100.toFixed(0)} B`.padStart(11)}   (${mib(g.bytes.min)}–${mib(g.bytes.max)})`,
    g.backend ? `  backend     ${`${g.backend.per100.toFixed(0)} B`.padStart(11)}   (${mib(g.backend.min)}–${mib(g.backend.max)}, wasm heap or GPU memory held)` : '  backend     (none reported)',
    heap('worker heap', g.workerHeap),
    heap('page heap  ', g.pageHeap),
  ];
}
