// The counted FLOPs against the FLOPs of the kernels a real forward pass runs (read with tf.profile
// from each product's and convolution's shapes), for a dense and a pre-norm config and odd sizes.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetr, detrForward, disposeDetr } from './detr';
import { detrPreset } from './detrConfig';
import { detrForwardFlops, detrTrainStepFlops } from './flops';
import { disposeMobileNetV2Weights, type MobileNetV2Weights } from './mobilenetV2';
import { loadEncoderInNode } from '../testing/nodeEncoder';

let encoder: MobileNetV2Weights;

beforeAll(async () => {
  await tf.setBackend('cpu');
  encoder = loadEncoderInNode();
});
afterAll(() => disposeMobileNetV2Weights(encoder));

const size = (s: readonly number[] | undefined): number => (s ?? []).reduce((a, b) => a * b, 1);

/** 2 × multiply-adds of every product and convolution kernel, from the shapes the profiler saw. */
function kernelFlops(kernels: readonly { name: string; inputShapes: (number[] | undefined)[]; outputShapes: (number[] | undefined)[] }[]): number {
  let flops = 0;
  for (const k of kernels) {
    const out = k.outputShapes[0] ?? [];
    if (k.name === '_FusedMatMul' || k.name === 'BatchMatMul') {
      const [m = 0, n = 0] = out.slice(-2);
      const batch = size(out.slice(0, -2));
      flops += 2 * size(out) * (size(k.inputShapes[0]) / batch / m); // K = |a| / (batch · M)
      expect(n).toBeGreaterThan(0);
    } else if (k.name === 'FusedConv2D' || k.name === 'Conv2D') {
      const [kh = 0, kw = 0, cin = 0] = k.inputShapes[1] ?? [];
      flops += 2 * size(out) * kh * kw * cin;
    } else if (k.name === 'FusedDepthwiseConv2D' || k.name === 'DepthwiseConv2dNative') {
      const [kh = 0, kw = 0] = k.inputShapes[1] ?? [];
      flops += 2 * size(out) * kh * kw;
    }
  }
  return flops;
}

describe('detrForwardFlops', () => {
  it.each([
    ['dense post-norm', false, 2, 96, 128],
    ['pre-norm, odd size', true, 1, 45, 67],
  ] as const)('%s equals the kernels of a real forward pass', async (_, preNorm, b, h, w) => {
    const cfg = detrPreset('tiny');
    cfg.transformer.preNorm = preNorm;
    const model = buildDetr(cfg, encoder);
    const images = tf.zeros([b, h, w, 3]) as tf.Tensor4D;
    const info = await tf.profile(() => detrForward(model, images, { training: false }).layers.flatMap((l) => [l.logits, l.boxes]));
    const counted = detrForwardFlops(model, b, h, w);
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBe(kernelFlops(info.kernels));
    expect(detrTrainStepFlops(model, b, h, w)).toBe(4 * counted);
    images.dispose();
    disposeDetr(model);
  });
});
