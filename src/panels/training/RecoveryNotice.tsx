// What the studio recovered from: the GPU device lost (the run goes on from its checkpoint, and
// the steps since then are repeated) or the worker crashed (the dataset is back; the resume offer
// below continues the run). Shown until dismissed.

import { useStudio } from '../../store';
import { recoveryText } from './recoveryText';

export function RecoveryNotice() {
  const notice = useStudio((s) => s.recovery);
  const images = useStudio((s) => s.images.length);
  const dismiss = useStudio((s) => s.dismissRecovery);
  if (!notice) return null;
  const run = notice.kind === 'gpu' ? notice.recovery.run : null;
  return (
    <div
      className="warning recovery-notice"
      role="status"
      data-testid="recovery-notice"
      data-kind={notice.kind}
      data-lost-at={run?.lostAtStep}
      data-checkpoint-step={run?.checkpointStep}
    >
      <p>{recoveryText(notice, images)}</p>
      <button type="button" className="link-button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
