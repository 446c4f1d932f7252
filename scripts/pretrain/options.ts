// The command line of `npm run pretrain`, read into typed options. Every mistake is reported with
// the flag, what it expects and what came; nothing unknown is silently ignored.

import type { BackendPreference } from '../../src/worker/protocol';
import type { DetrPreset } from '../../src/core/detrConfig';

export const USAGE = `Usage:
  npm run pretrain -- (--images <dir> | --demo) --out <dir> [options]
  npm run pretrain -- --resume <out>

Runs the studio headless: proposals → pseudo-labels → DETR pretraining → self-training rounds.
  --images <dir>      a folder of images, read recursively (the studio's folder picker)
  --demo              the studio's demo dataset (80 scenes with true boxes)
  --out <dir>         where proposals.json, pseudo_labels_round<r>.json, predictions.json,
                      model.safetensors, metrics.jsonl and run.json go
  --preset <name>     tiny | laptop | paper (default laptop)
  --config <file>     JSON settings over the preset (see scripts/pretrain/plan.ts)
  --steps <N>         training steps per round
  --rounds <R>        self-training rounds after round 0 (default 1)
  --backend <name>    auto | webgpu | webgl | wasm | cpu (default auto: the studio's choice,
                      WebGPU → WebGL → wasm → CPU; without a GPU, wasm is by far the fastest)
  --seed <S>          seed of the proposals' k-means and of the detector (default 0)
  --browser <path>    Chromium to run (default /usr/bin/chromium or $CHROMIUM_PATH)
  --port <N>          port of the local server (default 4185; a resumed run keeps its own)
  --overwrite         replace a previous run in <out>
  --resume <out>      continue the interrupted run in <out> from its last checkpoint`;

export interface Options {
  source: { kind: 'demo' } | { kind: 'folder'; path: string } | null;
  out: string | null;
  resume: string | null;
  preset: DetrPreset | null;
  config: string | null;
  steps: number | null;
  rounds: number | null;
  backend: BackendPreference | null;
  seed: number | null;
  browser: string | null;
  port: number | null;
  overwrite: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export const PRESETS: readonly DetrPreset[] = ['tiny', 'laptop', 'paper'];
export const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export function whole(flag: string, text: string, lo: number, hi: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) {
    throw new UsageError(`${flag}: expected a whole number from ${lo} to ${hi}, got ${JSON.stringify(text)}`);
  }
  return n;
}

export function choice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === text);
  if (!found) throw new UsageError(`${flag}: expected ${choices.join(' | ')}, got ${JSON.stringify(text)}`);
  return found;
}

export function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    source: null, out: null, resume: null, preset: null, config: null, steps: null, rounds: null,
    backend: null, seed: null, browser: null, port: null, overwrite: false, help: false,
  };
  const setSource = (s: NonNullable<Options['source']>) => {
    if (o.source) throw new UsageError('give one of --images <dir> and --demo, not both');
    o.source = s;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag}: expected a value after it, got ${v === undefined ? 'nothing' : v}`);
      return v;
    };
    switch (flag) {
      case '--images': setSource({ kind: 'folder', path: value() }); break;
      case '--demo': setSource({ kind: 'demo' }); break;
      case '--out': o.out = value(); break;
      case '--resume': o.resume = value(); break;
      case '--preset': o.preset = choice(flag, value(), PRESETS); break;
      case '--config': o.config = value(); break;
      case '--steps': o.steps = whole(flag, value(), 1, 10_000_000); break;
      case '--rounds': o.rounds = whole(flag, value(), 0, 10); break;
      case '--backend': o.backend = choice(flag, value(), BACKENDS); break;
      case '--seed': o.seed = whole(flag, value(), 0, 0xffffffff); break;
      case '--browser': o.browser = value(); break;
      case '--port': o.port = whole(flag, value(), 1024, 65_535); break;
      case '--overwrite': o.overwrite = true; break;
      case '--help': case '-h': o.help = true; break;
      default: throw new UsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  if (o.help) return o;
  if (o.resume !== null) {
    const extra = [o.source && 'the images', o.preset && '--preset', o.config && '--config', o.steps !== null && '--steps', o.rounds !== null && '--rounds',
      o.backend && '--backend', o.seed !== null && '--seed', o.port !== null && '--port', o.overwrite && '--overwrite'].filter(Boolean);
    if (extra.length > 0) throw new UsageError(`--resume continues a run with the settings in its run.json; drop ${extra.join(', ')}`);
    if (o.out !== null && o.out !== o.resume) throw new UsageError('--resume <out> names the run folder; drop --out');
    return o;
  }
  if (!o.source) throw new UsageError('say which images: --images <dir> or --demo');
  if (o.out === null) throw new UsageError('say where the outputs go: --out <dir>');
  return o;
}
