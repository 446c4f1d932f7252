// The command line of `npm run finetune`, read into typed options. Every mistake names the flag,
// what it expects and what came.

import { AUGMENT_KINDS, DETR_AUGMENT, withAugmentKind } from '../../src/core/augment';
import { DEFAULT_DOWNSTREAM, type DownstreamSettings } from '../../src/core/downstream';
import type { DetrPreset } from '../../src/core/detrConfig';
import type { BackendPreference } from '../../src/worker/protocol';
import { BACKENDS, choice, PRESETS, UsageError, whole } from '../pretrain/options';

export const USAGE = `Usage:
  npm run finetune -- (--images <dir> --labels <coco.json> | --demo) --init <export.zip|model.safetensors|none> --out <dir> [options]

The studio's downstream check, headless: the labeled images are split with the seed, the detector
fine-tunes on the training part and is evaluated (COCO AP, AP50, AR@100) on the held-out part.
  --images <dir>         the folder the labels are for, read recursively (the studio's folder picker)
  --labels <file>        COCO detection JSON; its file_name values name images of the folder
  --demo                 the studio's demo dataset with its own boxes as labels
  --init <file|none>     the pretrained detector: an export .zip or .safetensors from the studio or
                         npm run pretrain (its class head starts fresh); none = not pretrained
  --out <dir>            where ap.json and predictions.json go
  --train-fraction <f>   share of the labeled images that fine-tunes (default ${DEFAULT_DOWNSTREAM.trainFraction})
  --steps <N>            fine-tuning steps (default ${DEFAULT_DOWNSTREAM.steps})
  --eval-every <N>       steps between evaluations on the held-out part (default ${DEFAULT_DOWNSTREAM.evalEvery})
  --batch <N>            images per step (default ${DEFAULT_DOWNSTREAM.batchSize})
  --lr <x>               learning rate; the backbone gets a tenth (default ${DEFAULT_DOWNSTREAM.lr})
  --seed <S>             decides the split and the batches (default ${DEFAULT_DOWNSTREAM.seed})
  --tune <what>          all | heads: fine-tune every weight, or only the class and box heads
                         on the frozen backbone and transformer (default ${DEFAULT_DOWNSTREAM.tune})
  --augment <kind>       flip-crop | flip | crop | none: random flips and crops of the fine-tuning
                         images (default none)
  --preset <name>        tiny | laptop | paper, the detector of --init none (default tiny);
                         a pretrained detector keeps its own
  --backend <name>       auto | webgpu | webgl | wasm | cpu (default auto)
  --browser <path>       Chromium to run (default /usr/bin/chromium or $CHROMIUM_PATH)
  --port <N>             port of the local server (default 4186)`;

export interface FinetuneOptions {
  source: { kind: 'demo' } | { kind: 'folder'; path: string; labels: string };
  init: string | 'none';
  out: string;
  settings: DownstreamSettings;
  preset: DetrPreset;
  backend: BackendPreference;
  browser: string | null;
  port: number;
}

export { UsageError };

function number(flag: string, text: string, ok: (n: number) => boolean, want: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag}: expected ${want}, got ${JSON.stringify(text)}`);
  return n;
}

/** The options, or 'help'. */
export function parseFinetuneOptions(argv: readonly string[]): FinetuneOptions | 'help' {
  let images: string | null = null, labels: string | null = null, demo = false, init: string | null = null, out: string | null = null;
  const settings: DownstreamSettings = { ...DEFAULT_DOWNSTREAM };
  let preset: DetrPreset = 'tiny', backend: BackendPreference = 'auto', browser: string | null = null, port = 4186;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag}: expected a value after it, got ${v === undefined ? 'nothing' : v}`);
      return v;
    };
    switch (flag) {
      case '--images': images = value(); break;
      case '--labels': labels = value(); break;
      case '--demo': demo = true; break;
      case '--init': init = value(); break;
      case '--out': out = value(); break;
      case '--train-fraction': settings.trainFraction = number(flag, value(), (n) => n > 0 && n < 1, 'a number between 0 and 1'); break;
      case '--steps': settings.steps = whole(flag, value(), 1, 10_000_000); break;
      case '--eval-every': settings.evalEvery = whole(flag, value(), 1, 10_000_000); break;
      case '--batch': settings.batchSize = whole(flag, value(), 1, 64); break;
      case '--lr': settings.lr = number(flag, value(), (n) => n > 0 && n < 1, 'a number between 0 and 1'); break;
      case '--seed': settings.seed = whole(flag, value(), 0, 2 ** 31 - 1); break;
      case '--tune': settings.tune = choice(flag, value(), ['all', 'heads'] as const); break;
      case '--augment': settings.augment = withAugmentKind(DETR_AUGMENT, choice(flag, value(), AUGMENT_KINDS)); break;
      case '--preset': preset = choice(flag, value(), PRESETS); break;
      case '--backend': backend = choice(flag, value(), BACKENDS); break;
      case '--browser': browser = value(); break;
      case '--port': port = whole(flag, value(), 1024, 65_535); break;
      case '--help': case '-h': return 'help';
      default: throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  if (demo && (images !== null || labels !== null)) throw new UsageError('give --demo, or --images with --labels, not both');
  if (!demo && (images === null || labels === null)) throw new UsageError('say which labeled images: --images <dir> --labels <coco.json>, or --demo');
  if (init === null) throw new UsageError('say where the detector starts: --init <export.zip|model.safetensors> or --init none');
  if (out === null) throw new UsageError('say where the outputs go: --out <dir>');
  if (settings.evalEvery > settings.steps) settings.evalEvery = settings.steps;
  const source = demo ? { kind: 'demo' as const } : { kind: 'folder' as const, path: images!, labels: labels! };
  return { source, init, out, settings, preset, backend, browser, port };
}
