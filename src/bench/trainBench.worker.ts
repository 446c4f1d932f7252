// The training bench's worker: the app's own backend selection, encoder and trainer (src/core), on a
// synthetic batch (timing does not depend on pixel content; target counts are the proposals' cap).
// Reports ms per step, the matching and host shares, FLOPs efficiency against a large matmul on the
// same backend in the same session (DESIGN §7), tensors and bytes after the first and last step, and
// a profiled step's kernel count and (on WebGPU) its share outside GPU work.
import * as tf from '@tensorflow/tfjs';
import { detrPreset } from '../core/detrConfig';
import { detrTrainStepFlops } from '../core/flops';
import type { ImageTargets } from '../core/matcher';
import { mulberry32 } from '../core/rng';
import { matmulGflops, profileTrainStep } from '../core/stepProfile';
import { createTrainer, disposeTrainer, trainStep } from '../core/trainer';
import { selectBackend } from '../worker/backend';
import { encoderWeights } from '../worker/encoder';
import { inputSize } from '../worker/trainingImages';
import type { TrainBenchReply, TrainBenchRequest, TrainBenchResult } from './trainBench';

interface Scope {
  postMessage(message: TrainBenchReply): void;
  onmessage: ((event: MessageEvent<TrainBenchRequest>) => void) | null;
}
const scope = self as unknown as Scope;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};

/** Ten boxes per image (the proposals' cap is 30; demo images average 3–6), fixed by seed. */
function syntheticTargets(batch: number, numClasses: number): ImageTargets[] {
  const rng = mulberry32(7);
  return Array.from({ length: batch }, () => {
    const boxes = Float32Array.from({ length: 40 }, (_, i) => (i % 4 < 2 ? 0.2 + 0.6 * rng() : 0.05 + 0.3 * rng()));
    return { classes: Int32Array.from({ length: 10 }, () => Math.floor(rng() * numClasses)), boxes };
  });
}

async function bench(req: TrainBenchRequest): Promise<TrainBenchResult> {
  const report = await selectBackend(req.backend, true);
  const encoder = await encoderWeights('/');
  const config = detrPreset(req.preset);
  const size = inputSize(config.imageSize);
  const trainer = createTrainer(config, encoder);
  const images = tf.randomUniform([req.batch, size.height, size.width, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const targets = syntheticTargets(req.batch, config.numClasses);
  let peakBytes = 0;
  const memory = () => {
    const m = tf.memory();
    peakBytes = Math.max(peakBytes, m.numBytes);
    return m;
  };
  const first = await trainStep(trainer, images, targets);
  const afterFirst = memory();
  const losses = [first.loss];
  const stepMs: number[] = [];
  const matchShares: number[] = [];
  const hostShares: number[] = [];
  const start = performance.now();
  while (stepMs.length < req.steps && performance.now() - start < req.budgetMs) {
    const s = await trainStep(trainer, images, targets);
    stepMs.push(s.stepMs);
    matchShares.push(s.matchMs / s.stepMs);
    hostShares.push(s.solveMs / s.stepMs);
    losses.push(s.loss);
    memory();
  }
  const afterLast = memory();
  const profile = await profileTrainStep(trainer, images, targets);
  const matmul = await matmulGflops(req.backend === 'cpu' ? 256 : 1024, req.backend === 'cpu' ? 3 : 8);
  const msPerStep = median(stepMs);
  const stepGflops = detrTrainStepFlops(trainer.model, req.batch, size.height, size.width) / 1e9;
  images.dispose();
  disposeTrainer(trainer);
  return {
    backend: req.backend,
    activeBackend: report.backend,
    adapter: report.adapter === null ? null : `${report.adapter.vendor} ${report.adapter.architecture}`.trim(),
    preset: req.preset,
    batch: req.batch,
    input: size,
    msPerStep,
    firstStepMs: first.stepMs,
    timedSteps: stepMs.length,
    matchShare: median(matchShares),
    hostShare: median(hostShares),
    kernelsPerStep: profile.kernels,
    outsideGpuShare: profile.gpuBusyMs === null ? null : 1 - profile.gpuBusyMs / profile.stepMs,
    stepGflops,
    stepGflopsPerSecond: stepGflops / (msPerStep / 1000),
    matmulGflopsPerSecond: matmul,
    efficiency: stepGflops / (msPerStep / 1000) / matmul,
    tensorsAfterFirst: afterFirst.numTensors,
    tensorsAfterLast: afterLast.numTensors,
    stepsAtLast: 1 + stepMs.length,
    bytesAfterFirst: afterFirst.numBytes,
    bytesAfterLast: afterLast.numBytes,
    peakBytes,
    losses,
  };
}

scope.onmessage = (event) => {
  bench(event.data).then(
    (result) => scope.postMessage({ ok: true, result }),
    (err: unknown) => scope.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
};
