// Getting images in: pickers, the demo, clearing, and what the last ingest did.

import { useRef } from 'react';
import { filesFromInput } from '../components/fileDrop';
import { useStudio } from '../store';
import { IngestStatus } from './IngestStatus';

export function DatasetPanel() {
  const count = useStudio((s) => s.images.length);
  const loaded = useStudio((s) => s.datasetLoaded);
  const busy = useStudio((s) => s.ingest !== null);
  const addFiles = useStudio((s) => s.addFiles);
  const loadDemo = useStudio((s) => s.loadDemo);
  const clearDataset = useStudio((s) => s.clearDataset);
  const folderInput = useRef<HTMLInputElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const onClear = () => {
    if (window.confirm(`Remove all ${count} images from the studio's cache? Your original files are not touched.`)) {
      clearDataset();
    }
  };

  return (
    <section className="panel">
      <h2>Dataset</h2>
      <p className="count" data-testid="image-count" aria-live="polite">
        {loaded ? `${count} ${count === 1 ? 'image' : 'images'}` : 'Opening the cache…'}
      </p>
      <p className="hint">Drop folders or images anywhere on this page, or:</p>
      <div className="actions">
        <button type="button" onClick={() => folderInput.current?.click()}>
          Add folder…
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Add images…
        </button>
        <button type="button" onClick={loadDemo} disabled={busy}>
          Try the demo dataset
        </button>
        <button type="button" className="danger" onClick={onClear} disabled={busy || count === 0}>
          Clear dataset
        </button>
      </div>
      <input
        ref={folderInput}
        type="file"
        hidden
        multiple
        data-testid="folder-input"
        aria-label="Folder of images"
        {...{ webkitdirectory: '' }}
        onChange={(e) => {
          addFiles(filesFromInput(e.currentTarget.files));
          e.currentTarget.value = '';
        }}
      />
      <input
        ref={fileInput}
        type="file"
        hidden
        multiple
        accept="image/*,.heic,.heif,.avif"
        data-testid="file-input"
        aria-label="Image files"
        onChange={(e) => {
          addFiles(filesFromInput(e.currentTarget.files));
          e.currentTarget.value = '';
        }}
      />
      <IngestStatus />
    </section>
  );
}
