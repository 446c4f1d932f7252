// What the recovery notice says: the fault, where the run was, and what it cost (the steps since
// the last checkpoint, which the continued run repeats).

import type { RecoveryNotice } from '../../store/recoverySlice';

export function recoveryText(n: RecoveryNotice, images: number): string {
  if (n.kind === 'crash') {
    const where = n.step === null ? '' : ` at step ${n.step}`;
    return `The training worker crashed${where}: ${n.message}. A new worker started; the dataset is intact (${images} ${images === 1 ? 'image' : 'images'}).`;
  }
  const { cause, backend, run } = n.recovery;
  const lost = `The GPU device was lost (${cause}).`;
  if (!run) return `${lost} The ${backend} backend was started again; nothing was running.`;
  const repeated = Math.max(0, run.lostAtStep - run.checkpointStep);
  return (
    `${lost} It happened at step ${run.lostAtStep}; the ${backend} backend was started again and the run continues ` +
    `from the checkpoint of step ${run.checkpointStep}: ${repeated} ${repeated === 1 ? 'step is' : 'steps are'} repeated.`
  );
}
