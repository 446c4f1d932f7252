// One pretraining run at a time in the worker: starts it (new, or from the saved checkpoint),
// forwards pause, resume and stop, and survives a lost GPU device: the run is interrupted, the
// backend is started again (GpuWatch) and the run continues from its last checkpoint.

import type { MobileNetV2Weights } from '../core/mobilenetV2';
import { isBrokenWasmHeap } from '../core/wasmMemory';
import { GpuWatch } from './gpuWatch';
import type { ImageStore } from './imageStore';
import type { BackendReport, TrainingConfig, WorkerEvent } from './protocol';
import { TrainingSession } from './trainingSession';

/** An error in a step may come a moment before the device's `lost` promise settles. */
const LOST_GRACE_MS = 2000;

export interface TrainingRunsDeps {
  emit(e: WorkerEvent): void;
  store(): ImageStore;
  encoder(): Promise<MobileNetV2Weights>;
  /** Selects the backend again after the GPU device was lost (the engine is reset by then). */
  restartBackend(): Promise<BackendReport>;
  /** Settles once init has opened the cache and tried the backend: a run needs both. */
  initialized: Promise<void>;
}

interface Interrupted {
  lostAt: number;
  /** The run's last checkpoint on disk, or null when it had none yet. */
  checkpointStep: number | null;
}

export class TrainingRuns {
  private session: TrainingSession | null = null;
  /** Settles when the current session has ended and let go of its tensors. */
  private ended: Promise<void> = Promise.resolve();
  private readonly gpu: GpuWatch;
  /** The first invalid GPU command while the current run went, if any. */
  private invalid: string | null = null;
  /** The last invalid GPU command said with nothing running, so a repeated one is said once. */
  private invalidSaid: string | null = null;

  constructor(private readonly deps: TrainingRunsDeps) {
    // An invalid GPU command means the step computed garbage: the run ends without saving it.
    this.gpu = new GpuWatch((cause) => this.onGpuLost(cause), () => this.ended, deps.restartBackend, (message) => this.onGpuInvalid(message));
  }

  get busy(): boolean {
    return this.session !== null;
  }

  /** Call once the backend is up: a WebGPU device is watched from then on. */
  watchBackend(): void {
    this.gpu.watch();
  }

  pause(): void {
    this.session?.pause();
  }

  resume(): void {
    this.session?.resume();
  }

  stop(): void {
    this.session?.stop();
  }

  async start(config: TrainingConfig | 'checkpoint'): Promise<void> {
    // A fresh worker (after a crash) can be asked to resume before its cache is open.
    await this.deps.initialized;
    const { emit } = this.deps;
    if (this.session) {
      emit({ type: 'error', where: 'training', message: 'a pretraining run is already going; stop it first' });
      return;
    }
    const device = this.gpu.current;
    let lost: string | null = null;
    let outOfMemory: string | null = null;
    let interrupted: Interrupted | null = null;
    let release = () => undefined as void;
    this.invalid = null;
    this.ended = new Promise<void>((r) => (release = r));
    try {
      const s = this.deps.store();
      const checkpoint = config === 'checkpoint' ? await s.getCheckpoint() : null;
      if (config === 'checkpoint' && !checkpoint) throw new Error('there is no saved checkpoint to resume from');
      const runConfig = checkpoint?.config ?? (config as TrainingConfig);
      this.session = new TrainingSession(runConfig, s, await this.deps.encoder(), emit, checkpoint);
      await this.session.run();
      lost = device.lost;
      outOfMemory = device.outOfMemory;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Nothing more may run on a full or trapped heap: the page replaces the worker, and the run
      // can resume from its checkpoint in the new one.
      if (isBrokenWasmHeap(err)) return emit({ type: 'workerBroken', message: `${message}. Resume with a smaller batch or image size` });
      // An error while the device goes is the loss's symptom, not the run's own failure.
      lost = await device.lostWithin(LOST_GRACE_MS);
      outOfMemory = device.outOfMemory;
      if (lost === null) emit({ type: 'trainingStatus', status: 'failed', round: 0, step: 0, totalSteps: 0, message });
    } finally {
      interrupted = this.session ? { lostAt: this.session.stepReached, checkpointStep: this.session.checkpointStep } : null;
      this.session = null;
      release();
    }
    if (this.invalid !== null) this.failAfterInvalidGpuCommand(this.invalid, interrupted);
    else if (outOfMemory !== null) await this.stopAfterGpuOutOfMemory(outOfMemory, interrupted);
    else if (lost !== null) await this.continueAfterGpuLoss(lost, interrupted);
  }

  private onGpuLost(cause: string): void {
    if (this.session) return this.session.interrupt();
    const { emit } = this.deps;
    this.gpu.restarted().then(
      (report) => emit({ type: 'gpuRecovered', recovery: { cause, backend: report.backend, run: null } }),
      (err: unknown) => emit({ type: 'error', where: 'backend', message: `the GPU device was lost (${cause}) and no backend could start again: ${String(err)}` }),
    );
  }

  private onGpuInvalid(message: string): void {
    if (this.session) {
      this.invalid ??= message;
      return this.session.interrupt();
    }
    if (message === this.invalidSaid) return;
    this.invalidSaid = message;
    this.deps.emit({ type: 'error', where: 'backend', message: `WebGPU rejected a command (${message.split('\n')[0]}): what the GPU computed since may be wrong. This is a bug in the studio; please report it with this message, and choose another backend in Backend settings.` });
  }

  private failAfterInvalidGpuCommand(message: string, run: Interrupted | null): void {
    const next = run?.checkpointStep != null ? `Resume from the checkpoint of step ${run.checkpointStep} on another backend (Backend settings)` : 'Start again on another backend (Backend settings)';
    this.deps.emit({
      type: 'trainingStatus', status: 'failed', round: 0, step: run?.lostAt ?? 0, totalSteps: 0,
      message: `WebGPU rejected a command of the training step (${message.split('\n')[0]}), so the step's results are not trustworthy and nothing after the last checkpoint was saved. This is a bug in the studio; please report it with this message. ${next}.`,
    });
  }

  /** Out of GPU memory, the run stops: the same batch would run out again. The backend starts afresh. */
  private async stopAfterGpuOutOfMemory(message: string, run: Interrupted | null): Promise<void> {
    const at = run ? ` at step ${run.lostAt}` : '';
    let restarted: string;
    try {
      restarted = `${(await this.gpu.restarted()).backend} was started again with its memory freed`;
    } catch (err) {
      restarted = `no backend could start again (${err instanceof Error ? err.message : String(err)})`;
    }
    const next = run?.checkpointStep != null ? `Resume from the checkpoint of step ${run.checkpointStep}` : 'Start the run again';
    this.deps.emit({
      type: 'trainingStatus', status: 'failed', round: 0, step: run?.lostAt ?? 0, totalSteps: 0,
      message: `The GPU ran out of memory${at} (${message}); ${restarted}. ${next} with a smaller batch or image size.`,
    });
  }

  /** Once the backend is back, the interrupted run continues from its last checkpoint. */
  private async continueAfterGpuLoss(cause: string, run: Interrupted | null): Promise<void> {
    const { emit } = this.deps;
    const failed = (message: string) => emit({ type: 'trainingStatus', status: 'failed', round: 0, step: run?.lostAt ?? 0, totalSteps: 0, message });
    try {
      const report = await this.gpu.restarted();
      if (!run || run.checkpointStep === null) {
        return failed(`The GPU device was lost (${cause}) before this run saved a checkpoint; ${report.backend} runs again: start the run again.`);
      }
      emit({ type: 'gpuRecovered', recovery: { cause, backend: report.backend, run: { lostAtStep: run.lostAt, checkpointStep: run.checkpointStep } } });
    } catch (err) {
      return failed(`The GPU device was lost (${cause}) and no backend could start again: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.start('checkpoint');
  }
}
