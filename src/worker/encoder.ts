// The frozen encoder's weights, fetched once from the app's own static assets (written there by
// the install step) and kept for the life of the worker.

import { loadMobileNetV2Weights, type MobileNetV2Weights } from '../core/mobilenetV2';

const MODEL_DIR = 'models/mobilenet_v2_140/';
let loading: Promise<MobileNetV2Weights> | null = null;

export function encoderWeights(assetBase: string): Promise<MobileNetV2Weights> {
  loading ??= load(assetBase).catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function load(assetBase: string): Promise<MobileNetV2Weights> {
  const base = new URL(`${assetBase}${MODEL_DIR}`, self.location.origin);
  const json: unknown = await fetchOk(new URL('model.json', base)).then((r) => r.json());
  const buffers = await Promise.all(shardPaths(json).map((p) => fetchOk(new URL(p, base)).then((r) => r.arrayBuffer())));
  return loadMobileNetV2Weights(json, buffers);
}

async function fetchOk(url: URL): Promise<Response> {
  const r = await fetch(url);
  const type = r.headers.get('content-type') ?? '';
  if (!r.ok || type.includes('text/html')) {
    throw new Error(`the encoder weights are missing (${url.pathname} gave HTTP ${r.status}); run \`npm install\` to extract them`);
  }
  return r;
}

function shardPaths(json: unknown): string[] {
  const manifest: unknown = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).weightsManifest : null;
  if (!Array.isArray(manifest)) throw new Error('encoder model.json has no weightsManifest array');
  return manifest.flatMap((group: unknown, g) => {
    const paths: unknown = typeof group === 'object' && group !== null ? (group as Record<string, unknown>).paths : null;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
      throw new Error(`encoder model.json weightsManifest[${g}].paths should be a list of file names`);
    }
    return paths as string[];
  });
}

/** Drops the cached weights: after the GPU device was lost, their tensors are gone with it. */
export function forgetEncoderWeights(): void {
  loading = null;
}
