// Node only (tests and scripts): the encoder weights that `npm install` extracted into
// public/models, read from disk and loaded with the app's own loader.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMobileNetV2Weights, type MobileNetV2LoadOptions, type MobileNetV2Weights } from '../core/mobilenetV2';

export const ENCODER_DIR = fileURLToPath(new URL('../../public/models/mobilenet_v2_140/', import.meta.url));

export function readEncoderFiles(): { json: unknown; buffers: ArrayBuffer[] } {
  const json: unknown = JSON.parse(readFileSync(`${ENCODER_DIR}model.json`, 'utf8'));
  const bin = readFileSync(`${ENCODER_DIR}group1-shard1of1.bin`);
  return { json, buffers: [bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)] };
}

export function loadEncoderInNode(options?: MobileNetV2LoadOptions): MobileNetV2Weights {
  const { json, buffers } = readEncoderFiles();
  return loadMobileNetV2Weights(json, buffers, options);
}
