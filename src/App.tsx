import { DropZone } from './components/DropZone';
import { BackendPanel } from './panels/BackendPanel';
import { DatasetPanel } from './panels/DatasetPanel';
import { ErrorBanner } from './panels/ErrorBanner';
import { ImageDetail } from './panels/ImageDetail';
import { ImageGrid } from './panels/ImageGrid';
import { useStudio } from './store';

export function App() {
  const addFiles = useStudio((s) => s.addFiles);
  return (
    <div className="app">
      <header className="app-header">
        <h1>SimDETR Studio</h1>
        <p className="tagline">Unsupervised DETR pretraining on your own images. Nothing leaves this machine.</p>
        <BackendPanel />
      </header>
      <ErrorBanner />
      <DropZone onFiles={addFiles} className="app-body">
        <aside className="sidebar" aria-label="Dataset">
          <DatasetPanel />
        </aside>
        <main className="content">
          <ImageGrid />
        </main>
        <aside className="detail" aria-label="Selected image">
          <ImageDetail />
        </aside>
      </DropZone>
    </div>
  );
}
