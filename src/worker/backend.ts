// Picks the TensorFlow.js backend for the worker: WebGPU first, then WebGL, then WebAssembly (XNNPACK
// on the CPU, many times faster than the plain-JavaScript CPU backend), then CPU.
// Each refusal is kept as a reason the UI can show. WebGPU is registered with an adapter we
// request ourselves, so we know (and report) exactly which adapter runs the math.

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { guardWasmHeap } from '../core/wasmMemory';
import type { AdapterSummary, BackendName, BackendPreference, BackendReport } from './protocol';

type Attempt = { ok: true; adapter: AdapterSummary | null } | { ok: false; reason: string };

const ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export async function selectBackend(
  preference: BackendPreference,
  allowFallbackAdapter: boolean,
): Promise<BackendReport> {
  const order = preference === 'auto' ? ORDER : [preference, ...ORDER.filter((b) => b !== preference)];
  const fallbackReasons: string[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name, allowFallbackAdapter);
    if (attempt.ok) {
      return { backend: name, adapter: attempt.adapter, fallbackReasons, tfjsVersion: tf.version.tfjs };
    }
    fallbackReasons.push(`${name}: ${attempt.reason}`);
  }
  throw new Error(`No TensorFlow.js backend could start (${fallbackReasons.join('; ')})`);
}

// The WebAssembly binaries are bundled as assets of our own origin; tfjs picks SIMD (and threads
// where the page is cross-origin isolated) by feature detection.
setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });

async function tryBackend(name: BackendName, allowFallbackAdapter: boolean): Promise<Attempt> {
  try {
    const adapter = name === 'webgpu' ? await registerWebGpu(allowFallbackAdapter) : null;
    if (typeof adapter === 'string') return { ok: false, reason: adapter };
    const set = await tf.setBackend(name);
    if (!set || tf.getBackend() !== name) {
      return { ok: false, reason: `tf.setBackend('${name}') did not activate it` };
    }
    const check = await smokeTest();
    if (check !== null) return { ok: false, reason: check };
    guardWasmHeap();
    return { ok: true, adapter };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** One tiny op read back asynchronously: a backend that cannot do this cannot train. */
async function smokeTest(): Promise<string | null> {
  const t = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
  const values = await t.data();
  t.dispose();
  return values[0] === 4 && values[1] === 6 ? null : `a test addition gave ${Array.from(values).join(',')}, not 4,6`;
}

/** Registers tfjs's WebGPU backend on an adapter of our choosing; returns the adapter or why not. */
async function registerWebGpu(allowFallbackAdapter: boolean): Promise<AdapterSummary | string> {
  const gpu: GPU | undefined = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'this browser does not expose WebGPU (navigator.gpu is missing)';
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return 'no WebGPU adapter is available (requestAdapter returned null)';
  const summary = summarizeAdapter(adapter);
  if (summary.isFallbackAdapter && !allowFallbackAdapter) {
    return (
      `only a software WebGPU adapter is available (${summary.vendor} ${summary.architecture}); ` +
      'it is slower than WebGL, so it is off unless "Allow software WebGPU" is set'
    );
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const info = adapterInfo(adapter);
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  return summary;
}

function adapterInfo(adapter: GPUAdapter): GPUAdapterInfo | undefined {
  return (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
}

function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info: unknown = adapterInfo(adapter);
  const field = (key: string): string => {
    if (typeof info !== 'object' || info === null) return '';
    const value: unknown = (info as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : '';
  };
  const infoFallback: unknown =
    typeof info === 'object' && info !== null ? (info as Record<string, unknown>).isFallbackAdapter : undefined;
  const adapterFallback: unknown = (adapter as GPUAdapter & { isFallbackAdapter?: unknown }).isFallbackAdapter;
  return {
    vendor: field('vendor'),
    architecture: field('architecture'),
    device: field('device'),
    description: field('description'),
    isFallbackAdapter: infoFallback === true || adapterFallback === true,
  };
}
