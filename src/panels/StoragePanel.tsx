// What the studio keeps on this machine (the browser's estimate, and by kind: cached images,
// checkpoints) and the buttons that free it, each after a confirmation. Refreshed when the dataset
// or the saved checkpoint changes, and when asked.

import { useEffect } from 'react';
import { formatBytes } from '../components/formatBytes';
import { useStudio } from '../store';
import { isActive } from './training/runGate';

export function StoragePanel() {
  const usage = useStudio((s) => s.storageUsage);
  const estimate = useStudio((s) => s.storageEstimate);
  const images = useStudio((s) => s.images.length);
  const checkpoint = useStudio((s) => s.checkpoint);
  const busy = useStudio((s) => isActive(s.training?.status) || s.ingest !== null || s.proposalRun !== null);
  const refresh = useStudio((s) => s.refreshStorage);
  const deleteCheckpoints = useStudio((s) => s.deleteCheckpoints);
  const clearDataset = useStudio((s) => s.clearDataset);
  const cacheOpen = useStudio((s) => s.datasetLoaded);

  const ingesting = useStudio((s) => s.ingest !== null);

  // Not per image while an ingest runs (thousands of recounts would queue behind it): once it ends.
  useEffect(() => {
    if (cacheOpen && !ingesting) refresh();
  }, [cacheOpen, ingesting, images, checkpoint?.savedAt, refresh]);

  const onDeleteCheckpoints = () => {
    if (window.confirm('Delete the saved checkpoints? The run can then no longer be resumed; the images and proposals stay.')) deleteCheckpoints();
  };
  const onClear = () => {
    if (window.confirm(`Delete all ${images} cached images, their proposals and the checkpoints? Your original files are not touched.`)) {
      clearDataset();
    }
  };

  return (
    <section className="panel storage-panel" aria-labelledby="storage-heading" data-testid="storage-panel" data-checkpoint-step={checkpoint?.step ?? ''}>
      <h2 id="storage-heading">Storage</h2>
      <p data-testid="storage-estimate">
        {estimate
          ? `This site uses ${formatBytes(estimate.usage)} of the ${formatBytes(estimate.quota)} the browser allows it.`
          : 'The browser gives no storage estimate.'}
      </p>
      {usage && (
        <dl className="meta">
          <dt>Images</dt>
          <dd data-testid="storage-images">
            {usage.images} cached, {formatBytes(usage.imageBytes)}
          </dd>
          <dt>Checkpoints</dt>
          <dd data-testid="storage-checkpoints">
            {usage.checkpoints === 0
              ? 'none'
              : `${usage.checkpoints} ${usage.checkpoints === 1 ? 'slot' : 'slots'}, ${formatBytes(usage.checkpointBytes)}${checkpoint ? ` (last: step ${checkpoint.step})` : ''}`}
          </dd>
        </dl>
      )}
      <div className="actions">
        <button type="button" onClick={refresh}>
          Refresh
        </button>
        <button type="button" className="danger" onClick={onDeleteCheckpoints} disabled={busy || !usage || usage.checkpoints === 0}>
          Delete checkpoints
        </button>
        <button type="button" className="danger" onClick={onClear} disabled={busy || images === 0}>
          Delete cached images
        </button>
      </div>
    </section>
  );
}
