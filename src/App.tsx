import { DropZone } from './components/DropZone';
import { Tabs } from './components/Tabs';
import { BackendPanel } from './panels/BackendPanel';
import { DatasetPanel } from './panels/DatasetPanel';
import { ErrorBanner } from './panels/ErrorBanner';
import { ImageDetail } from './panels/ImageDetail';
import { ImageGrid } from './panels/ImageGrid';
import { DownstreamPanel } from './panels/downstream/DownstreamPanel';
import { ClusterGallery } from './panels/proposals/ClusterGallery';
import { EmbeddingMap } from './panels/proposals/EmbeddingMap';
import { ProposalControls } from './panels/proposals/ProposalControls';
import { StoragePanel } from './panels/StoragePanel';
import { TrainingControls } from './panels/training/TrainingControls';
import { TrainingPanel } from './panels/training/TrainingPanel';
import { useStudio } from './store';

const MAIN_TABS = [
  { id: 'images', label: 'Images', content: <ImageGrid /> },
  { id: 'clusters', label: 'Clusters', content: <ClusterGallery /> },
  { id: 'map', label: 'Map', content: <EmbeddingMap /> },
  { id: 'training', label: 'Training', content: <TrainingPanel /> },
  { id: 'downstream', label: 'Downstream', content: <DownstreamPanel /> },
] as const;

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
        <aside className="sidebar" aria-label="Dataset, proposals and pretraining">
          <DatasetPanel />
          <ProposalControls />
          <TrainingControls />
          <StoragePanel />
        </aside>
        <main className="content">
          <Tabs tabs={MAIN_TABS} label="Main view" className="main-tabs" />
        </main>
        <aside className="detail" aria-label="Selected image">
          <ImageDetail />
        </aside>
      </DropZone>
    </div>
  );
}
