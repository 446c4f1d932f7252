// `npm run eval:memory`: the wasm heap one training step takes, the measurement behind
// src/core/wasmMemory.ts's estimate. One trainStep of a preset on random images with T targets each,
// on the wasm backend in Node; the heap (which only grows) is read after the step.
//   tsx scripts/eval/stepMemory.ts [--preset tiny] [--attention dense|deformable] [--batch 2] [--targets 30]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { DETR_PRESETS, detrPreset, type DetrPreset } from '../../src/core/detrConfig';
import { createTrainer, trainStep } from '../../src/core/trainer';
import { activeWasmModule, wasmStepBytes } from '../../src/core/wasmMemory';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { inputSize } from '../../src/worker/trainingImages';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'tiny' }, attention: { type: 'string', default: 'dense' },
    batch: { type: 'string', default: '2' }, targets: { type: 'string', default: '30' },
  },
});
if (!(values.preset in DETR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(DETR_PRESETS).join(', ')}, got ${values.preset}`);
if (values.attention !== 'dense' && values.attention !== 'deformable') throw new Error(`--attention: expected dense or deformable, got ${values.attention}`);
const [batch, targets] = [Number(values.batch), Number(values.targets)];
if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(targets) || targets < 1) throw new Error('--batch and --targets: expected positive integers');

await switchBackend('wasm');
const config = detrPreset(values.preset as DetrPreset);
config.numClasses = 64;
config.transformer.attention = values.attention;
const size = inputSize(config.imageSize);
const trainer = createTrainer(config, loadEncoderInNode());
const images = tf.randomUniform([batch, size.height, size.width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const boxes = Float32Array.from({ length: targets * 4 }, (_, i) => (i % 4 < 2 ? 0.2 + 0.6 * (((i * 7) % 13) / 13) : 0.15));
const step = await trainStep(trainer, images, Array.from({ length: batch }, () => ({ classes: Int32Array.from({ length: targets }, (_, i) => i % 64), boxes })));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `${values.preset}, ${values.attention}, batch ${batch} at ${size.height}×${size.width}: heap after one step ${mib(activeWasmModule()?.HEAPU8.length ?? 0)}` +
    ` (estimate ${mib(wasmStepBytes(config, size, batch))}); loss ${step.loss.toFixed(3)}`,
);
