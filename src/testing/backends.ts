// Node only (tests and scripts): switch tfjs between the CPU backend, the WebAssembly backend
// (XNNPACK; the fastest CPU backend, which trains through conv3x3's nine-tap path) and WebGPU.
// WebGPU in Node runs on Dawn's Node binding, the npm package `webgpu`, which is not a dependency
// (50 MB of binaries for every platform): SIMDETR_DAWN names its index.js, on a machine that has a
// Vulkan, Metal or D3D12 driver. It is the same tfjs WebGPU backend the studio uses in the browser.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pathToFileURL } from 'node:url';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';

const gpuErrors: string[] = [];

export async function switchBackend(name: NodeBackend): Promise<void> {
  if (name === 'webgpu') await registerDawnWebGpu();
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
  // WebGPU reports an invalid shader or command as an event, and tfjs does not listen: keep them.
  if (name === 'webgpu') (tf.backend() as unknown as { device: GPUDevice }).device.onuncapturederror = (e) => gpuErrors.push(e.error.message);
}

/** Throws if WebGPU has reported an error since the backend started: what ran since may be garbage. */
export function checkWebGpuErrors(): void {
  if (gpuErrors.length > 0) throw new Error(`WebGPU reported ${gpuErrors.length} error(s); the first: ${gpuErrors[0]}`);
}

/** The GPU adapter WebGPU offers (vendor, architecture, device, description), or null without one. */
export async function webGpuAdapterName(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  // adapter.info is newer than our @webgpu/types; older browsers and Dawns have requestAdapterInfo().
  const a = adapter as GPUAdapter & { info?: GPUAdapterInfo };
  const { vendor, architecture, device, description } = a.info ?? (await a.requestAdapterInfo());
  return [vendor, architecture, device, description].filter(Boolean).join(' ');
}

async function registerDawnWebGpu(): Promise<void> {
  if (tf.findBackendFactory('webgpu')) return;
  const path = process.env.SIMDETR_DAWN;
  if (!path) throw new Error('the webgpu backend in Node needs Dawn: set SIMDETR_DAWN to the index.js of the npm package `webgpu` (npm pack webgpu)');
  const dawn = (await import(pathToFileURL(path).href)) as { create(flags: string[]): unknown; globals: object };
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, … as in a browser
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]), userAgent: 'node' }, configurable: true });
  // tfjs-backend-webgpu registers itself only where a window or a worker exists.
  (globalThis as { window?: unknown }).window ??= globalThis;
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error(`${path}: Dawn loaded, but tfjs registered no webgpu backend`);
}
