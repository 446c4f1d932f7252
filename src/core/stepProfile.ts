// One training step under tf.profile: how many kernels it launches and, on WebGPU, how long the GPU
// was busy in them (tfjs reads WebGPU timestamp queries). On a real GPU a step's time is mostly the
// cost of launching kernels, so these two explain it: the share of the step outside GPU work is
// 1 − busy / step. Other backends time each kernel by the wall clock, profiling overhead included,
// so there the busy time is not reported. matmulGflops is the ceiling a step is held to (DESIGN §7).
import * as tf from '@tensorflow/tfjs';
import type { ImageTargets } from './matcher';
import { trainStep, type Trainer } from './trainer';

export interface StepProfile {
  /** Kernels launched; Reshape and Identity are left out (no GPU work). */
  kernels: number;
  /** Sum of the kernels' GPU times on WebGPU, else null. */
  gpuBusyMs: number | null;
  /** The profiled step's own time. */
  stepMs: number;
}

/** Trains one step (it counts as a step: the weights move) and profiles it. */
export async function profileTrainStep(trainer: Trainer, images: tf.Tensor4D, targets: readonly ImageTargets[]): Promise<StepProfile> {
  let stepMs = 0;
  const info = await tf.profile(async () => {
    stepMs = (await trainStep(trainer, images, targets)).stepMs;
  });
  const launched = info.kernels.filter((k) => k.name !== 'Reshape' && k.name !== 'Identity');
  const times = launched.map((k) => k.kernelTimeMs);
  const onGpu = tf.getBackend() === 'webgpu' && times.every((t): t is number => typeof t === 'number');
  return { kernels: launched.length, gpuBusyMs: onGpu ? (times as number[]).reduce((a, b) => a + b, 0) : null, stepMs };
}

/** FLOPs per second of an n×n matmul chain, read back once: the backend's practical ceiling. */
export async function matmulGflops(n: number, reps: number): Promise<number> {
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const run = async (k: number): Promise<number> => {
    const start = performance.now();
    const outs = Array.from({ length: k }, () => tf.matMul(a, b));
    await outs[outs.length - 1]?.data(); // in-order queues: the last one done means all are
    tf.dispose(outs);
    return performance.now() - start;
  };
  await run(1); // compile and warm up
  const ms = await run(reps);
  tf.dispose([a, b]);
  return (2 * n ** 3 * reps) / (ms / 1000) / 1e9;
}
