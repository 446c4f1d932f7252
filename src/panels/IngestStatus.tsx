// Progress of the running ingest (with speed and cancel) and the report of the last one.

import { ProgressBar } from '../components/ProgressBar';
import { useStudio } from '../store';
import type { SkippedFile } from '../worker/protocol';

export function IngestStatus() {
  const ingest = useStudio((s) => s.ingest);
  const report = useStudio((s) => s.lastReport);
  const problems = useStudio((s) => s.pickProblems);
  const cancel = useStudio((s) => s.cancelIngest);

  return (
    <div className="ingest" data-testid="ingest-status">
      {ingest && (
        <div className="ingest-progress" data-testid="ingest-progress">
          <p>
            {ingest.source === 'demo' ? 'Loading the demo dataset' : 'Adding images'}: {ingest.done} / {ingest.total}
            {' · '}
            {ingest.imagesPerSecond.toFixed(1)} images/s
          </p>
          <ProgressBar value={ingest.done} max={ingest.total} label="Ingest progress" />
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </div>
      )}
      {!ingest && report && (
        <div className="report" data-testid="ingest-report">
          <p data-testid="ingest-summary">
            {report.added} added, {report.skipped.length} skipped
            {report.cancelled ? ' (cancelled)' : ''} in {report.seconds.toFixed(1)} s
          </p>
          {report.stoppedBecause && <p className="warning">{report.stoppedBecause}</p>}
          {report.skipped.length > 0 && <SkipList skipped={report.skipped} />}
        </div>
      )}
      {problems.length > 0 && (
        <ul className="warning" aria-label="Folders that could not be read">
          {problems.map((p) => (
            <li key={p}>
              <bdi>{p}</bdi>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SkipList({ skipped }: { skipped: SkippedFile[] }) {
  return (
    <details className="skips">
      <summary>Why {skipped.length === 1 ? 'one file was' : `${skipped.length} files were`} skipped</summary>
      <ul data-testid="skip-list">
        {skipped.map((s) => (
          <li key={`${s.path}:${s.reason}`} data-reason={s.reason}>
            <bdi className="path">{s.path}</bdi>: {s.message}
          </li>
        ))}
      </ul>
    </details>
  );
}
