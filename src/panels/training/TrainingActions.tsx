// Start, pause/resume and stop. Start stays visible, and when it cannot run it says why next to
// it; Pause and Resume are one button whose label follows the status, so focus stays on it.

import { useEffect, useId, useRef } from 'react';
import { useStudio } from '../../store';
import { checkGoing } from '../../store/downstreamSlice';
import { isActive, startBlockedBecause } from './runGate';

export function TrainingActions({ formInvalid }: { formInvalid: boolean }) {
  const status = useStudio((s) => s.training?.status ?? null);
  const blocked = useStudio((s) =>
    startBlockedBecause({
      images: s.images.length,
      ingesting: s.ingest !== null,
      backendFailed: s.backendStatus === 'failed',
      proposalsRunning: s.proposalRun !== null,
      proposalsComplete: s.proposals?.result != null,
      status: s.training?.status ?? null,
      formInvalid,
      checkRunning: checkGoing(s.downstream),
    }),
  );
  const start = useStudio((s) => s.startTraining);
  const pause = useStudio((s) => s.pauseTraining);
  const resume = useStudio((s) => s.resumeTraining);
  const stop = useStudio((s) => s.stopTraining);
  const reasonId = useId();
  const startRef = useRef<HTMLButtonElement>(null);
  const active = isActive(status);
  const wasActive = useRef(active);

  // Stop (or the end of the run) removes the focused button; hand focus to Start instead of the page.
  useEffect(() => {
    if (wasActive.current && !active && document.activeElement === document.body) startRef.current?.focus();
    wasActive.current = active;
  }, [active]);

  return (
    <>
      <div className="actions training-actions">
        <button
          ref={startRef}
          type="button"
          className="primary"
          disabled={blocked !== null}
          aria-describedby={blocked ? reasonId : undefined}
          onClick={start}
        >
          Start pretraining
        </button>
        {active && (
          <button type="button" onClick={status === 'paused' ? resume : pause}>
            {status === 'paused' ? 'Resume' : 'Pause'}
          </button>
        )}
        {active && (
          <button type="button" className="danger" onClick={stop}>
            Stop
          </button>
        )}
      </div>
      {blocked && (
        <p className="hint" id={reasonId} data-testid="training-blocked">
          {blocked}
        </p>
      )}
    </>
  );
}
