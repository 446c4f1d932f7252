// Losing the GPU (a driver reset, a tab in the background too long, `device.destroy()`): the
// WebGPU device's `lost` promise settles and every tensor on it is gone. GpuWatch notices it,
// throws away tfjs's engine state (the tensors and the backend of the dead device) and starts the
// backend again; the worker then resumes an interrupted run from its last checkpoint.
// Running out of GPU memory comes as an uncaptured GPUOutOfMemoryError on the device, which tfjs
// ignores: the failed buffer stays invalid, and what reads it gets garbage. GpuWatch treats it as a
// loss (it destroys the device, so the backend starts again with its memory and pools freed), marked
// as out of memory, because continuing with the same batch would run out again.
// A GPUValidationError (an invalid pipeline or command: a kernel asked for more than the device
// allows) is worse than a crash: WebGPU drops the whole command buffer and tfjs reads whatever the
// buffers held. GpuWatch passes each one on (onInvalid); the device itself stays usable.

import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { BackendReport } from './protocol';

/** The device one backend started on: whether and why it was lost. */
export interface WatchedDevice {
  /** The loss's reason and message once it happened, else null. */
  readonly lost: string | null;
  /** The GPUOutOfMemoryError's message when that is why the device went, else null. */
  readonly outOfMemory: string | null;
  /** The loss, if it comes within `ms`: an error in a step can arrive before `lost` settles. */
  lostWithin(ms: number): Promise<string | null>;
}

const NO_DEVICE: WatchedDevice = { lost: null, outOfMemory: null, lostWithin: () => Promise.resolve(null) };
/** How long a restart waits for the interrupted run to let go of its tensors. */
const IDLE_WAIT_MS = 60_000;

const sleep = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

function currentDevice(): GPUDevice | null {
  return tf.getBackend() === 'webgpu' ? (tf.backend() as WebGPUBackend).device : null;
}

export class GpuWatch {
  private device: WatchedDevice = NO_DEVICE;
  private restarting: Promise<BackendReport> | null = null;

  /**
   * onLost: called once per loss, as soon as it is seen: it interrupts what runs on the GPU.
   * idle: settles when the interrupted work has let go of its tensors.
   * restart: selects the backend again (after the engine was reset).
   * onInvalid: called with each GPUValidationError's message.
   */
  constructor(
    private readonly onLost: (cause: string) => void,
    private readonly idle: () => Promise<void>,
    private readonly restart: () => Promise<BackendReport>,
    private readonly onInvalid: (message: string) => void = () => undefined,
  ) {}

  /** Watches the device of the backend now active (none on webgl, wasm or cpu). */
  watch(): void {
    const device = currentDevice();
    if (!device) {
      this.device = NO_DEVICE;
      return;
    }
    let lost: string | null = null;
    let outOfMemory: string | null = null;
    const settled = device.lost.then((info) => {
      lost = outOfMemory !== null ? `out of memory: ${outOfMemory}` : `${info.reason ?? 'unknown'}: ${info.message || 'no message from the browser'}`;
      return lost;
    });
    device.addEventListener('uncapturederror', (event) => {
      const { error } = event as GPUUncapturedErrorEvent;
      if (error instanceof GPUValidationError) this.onInvalid(error.message || 'no message from the browser');
      if (!(error instanceof GPUOutOfMemoryError) || outOfMemory !== null) return;
      outOfMemory = error.message || 'no message from the browser';
      device.destroy();
    });
    const watched: WatchedDevice = {
      get lost() {
        return lost;
      },
      get outOfMemory() {
        return outOfMemory;
      },
      lostWithin: (ms) => Promise.race([settled, sleep(ms, null)]),
    };
    this.device = watched;
    void settled.then((cause) => {
      if (this.device !== watched) return;
      // recover() waits for idle() before it touches the engine, so onLost may interrupt after this.
      this.restarting = this.recover();
      this.onLost(cause);
    });
  }

  /** The device runs start on; keep it to ask later whether it was lost. */
  get current(): WatchedDevice {
    return this.device;
  }

  /** The backend after the last loss, once it has restarted. */
  restarted(): Promise<BackendReport> {
    return this.restarting ?? Promise.reject(new Error('the GPU device was not lost'));
  }

  /** Test hook: destroys the active backend's device, as a driver reset would. */
  static destroyDevice(): void {
    const device = currentDevice();
    if (!device) throw new Error(`no WebGPU device to lose: the backend is ${tf.getBackend()}`);
    device.destroy();
  }

  /**
   * Test hook: the device reports that it ran out of memory, with the event the browser fires when
   * an allocation fails (really exhausting a GPU would take the test machine's memory with it).
   */
  static injectOutOfMemory(): void {
    const device = currentDevice();
    if (!device) throw new Error(`no WebGPU device to run out of memory: the backend is ${tf.getBackend()}`);
    const error = new GPUOutOfMemoryError('injected: a buffer of the training step could not be allocated');
    device.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error }));
  }

  private async recover(): Promise<BackendReport> {
    this.device = NO_DEVICE;
    await Promise.race([this.idle().catch(() => undefined), sleep(IDLE_WAIT_MS, undefined)]);
    // Every tensor and variable of the lost device goes with the engine state; nothing is read back.
    tf.engine().reset();
    const report = await this.restart();
    this.watch();
    return report;
  }
}
