// The training bench's page: runs one request in a fresh worker (a fresh backend each time) and
// hands the result to the Playwright driver (scripts/bench/training.mjs) via window.trainBench.
import type { TrainBenchReply, TrainBenchRequest } from './trainBench';

declare global {
  interface Window {
    trainBench: (req: TrainBenchRequest) => Promise<TrainBenchReply>;
  }
}

window.trainBench = (req) =>
  new Promise((resolve) => {
    const worker = new Worker(new URL('./trainBench.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<TrainBenchReply>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => {
      worker.terminate();
      resolve({ ok: false, message: event.message || 'the bench worker failed to start' });
    };
    worker.postMessage(req);
  });
document.body.dataset.ready = 'true';
