// Faults the e2e tests inject through the ?runner=1 surface, to prove the studio recovers from
// them: the real fault where the browser allows it (the device destroyed), else its closest cause.

import { GpuWatch } from './gpuWatch';
import { assertNever, type InjectedFault } from './protocol';

export function injectFault(fault: InjectedFault): void {
  switch (fault) {
    case 'loseDevice':
      return GpuWatch.destroyDevice();
    case 'crash':
      // Thrown from a timer, outside every handler: the page gets it as the worker's error event.
      setTimeout(() => {
        throw new Error('injected crash: an uncaught error in the training worker');
      }, 0);
      return;
    default:
      return assertNever(fault);
  }
}
