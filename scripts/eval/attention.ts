// `npm run eval:attention`: dense against deformable attention (issue: the paper's detector), same
// seed, images, targets and schedule. Each detector trains on the first --images demo images with
// their true boxes (one class, full batch) and reports ms per step, the training loss and the
// class-agnostic AP50 of its predictions on those images every --every steps, then the first step at
// which deformable reached dense's final AP50. Node, wasm backend, the app's core code.
//   tsx scripts/eval/attention.ts [--preset tiny] [--images 8] [--steps 200] [--every 25] [--lr 2e-3]
//       [--width 128 --height 96] [--json out.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DETR_PRESETS, detrPreset, type DetrPreset } from '../../src/core/detrConfig';
import { createTrainer, disposeTrainer, trainStep } from '../../src/core/trainer';
import { switchBackend } from '../../src/testing/backends';
import { loadEncoderInNode } from '../../src/testing/nodeEncoder';
import { inputSize } from '../../src/worker/trainingImages';
import { demoAp50, loadDemoFit, type DemoFit } from './demoFit';

type Attention = 'dense' | 'deformable';

function options() {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'tiny' }, images: { type: 'string', default: '8' }, steps: { type: 'string', default: '200' },
      every: { type: 'string', default: '25' }, lr: { type: 'string', default: '2e-3' }, width: { type: 'string' }, height: { type: 'string' }, json: { type: 'string' },
    },
  });
  if (!(values.preset in DETR_PRESETS)) throw new Error(`--preset: expected one of ${Object.keys(DETR_PRESETS).join(', ')}, got ${values.preset}`);
  const preset = values.preset as DetrPreset;
  const num = (name: string, v: string | undefined, ok: (n: number) => boolean): number => {
    const n = Number(v);
    if (!ok(n)) throw new Error(`--${name}: got ${String(v)}, which is out of range`);
    return n;
  };
  const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
  const size = inputSize(DETR_PRESETS[preset].imageSize);
  return {
    preset, json: values.json,
    images: num('images', values.images, (n) => positiveInt(n) && n <= 80), steps: num('steps', values.steps, positiveInt),
    every: num('every', values.every, positiveInt), lr: num('lr', values.lr, (n) => n > 0 && n < 1),
    size: { width: values.width === undefined ? size.width : num('width', values.width, positiveInt), height: values.height === undefined ? size.height : num('height', values.height, positiveInt) },
  };
}

type Options = ReturnType<typeof options>;
interface Point { step: number; loss: number; ap50: number; msPerStep: number }

async function run(opts: Options, attention: Attention, fit: DemoFit, encoder: ReturnType<typeof loadEncoderInNode>): Promise<Point[]> {
  const cfg = detrPreset(opts.preset);
  cfg.numClasses = 1;
  cfg.transformer.attention = attention;
  cfg.optim = { ...cfg.optim, lr: opts.lr, lrBackbone: opts.lr / 10 };
  const trainer = createTrainer(cfg, encoder);
  const curve: Point[] = [];
  let ms = 0;
  for (let step = 1; step <= opts.steps; step++) {
    const s = await trainStep(trainer, fit.images, fit.targets);
    ms += s.stepMs;
    if (step % opts.every === 0 || step === opts.steps) {
      const point = { step, loss: s.loss, ap50: await demoAp50(trainer.model, fit), msPerStep: ms / step };
      curve.push(point);
      process.stderr.write(`  ${attention.padEnd(10)} step ${String(step).padStart(5)}: loss ${point.loss.toFixed(3)}, AP50 ${point.ap50.toFixed(3)}, ${point.msPerStep.toFixed(0)} ms/step\n`);
    }
  }
  disposeTrainer(trainer);
  return curve;
}

async function main(): Promise<void> {
  const opts = options();
  await switchBackend('wasm');
  const encoder = loadEncoderInNode();
  const fit = await loadDemoFit(opts.images, opts.size);
  console.log(`attention: ${opts.preset} preset at ${opts.size.height}×${opts.size.width}, ${opts.images} demo images with their true boxes, full batch, ${opts.steps} steps, lr ${opts.lr}`);
  const curves = { dense: await run(opts, 'dense', fit, encoder), deformable: await run(opts, 'deformable', fit, encoder) };
  console.log(' step   dense loss  AP50    deformable loss  AP50');
  curves.dense.forEach((d, i) => {
    const f = curves.deformable[i];
    console.log(`${String(d.step).padStart(5)}   ${d.loss.toFixed(3).padStart(10)}  ${d.ap50.toFixed(3)}    ${(f?.loss ?? NaN).toFixed(3).padStart(15)}  ${(f?.ap50 ?? NaN).toFixed(3)}`);
  });
  const finalDense = curves.dense.at(-1);
  const reached = curves.deformable.find((p) => p.ap50 >= (finalDense?.ap50 ?? Infinity));
  const ms = (c: Point[]) => (c.at(-1)?.msPerStep ?? NaN).toFixed(0);
  console.log(`ms per step: dense ${ms(curves.dense)}, deformable ${ms(curves.deformable)}`);
  console.log(reached
    ? `deformable reached dense's final AP50 (${finalDense?.ap50.toFixed(3)} at step ${finalDense?.step}) at step ${reached.step}`
    : `deformable did not reach dense's final AP50 (${finalDense?.ap50.toFixed(3)}) within ${opts.steps} steps`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ options: opts, curves }, null, 2));
  fit.images.dispose();
}

await main();
