// Stages 1–2 as the UI sees them: the config, the running job, and the results — the last
// complete run (`proposals`) and, while a run is going, its partial results (`live`).
// A cancelled or failed run drops `live`, so the previous complete results show again.

import type { StateCreator } from 'zustand';
import { DEFAULT_PROPOSAL_CONFIG, type ProposalConfig } from '../core/proposalConfig';
import type { ImageProposals, ProposalRunResult } from '../worker/protocol';
import { send } from './transport';
import type { StudioState } from './index';

export interface GalleryCrop {
  imageId: string;
  index: number;
  url: string;
}

/** Results ready to draw: proposals keyed by image, crops as object URLs. */
export interface ProposalView {
  byImage: Record<string, ImageProposals>;
  /** Null while a run is still going (no classes yet). */
  result: Omit<ProposalRunResult, 'images' | 'gallery'> | null;
  gallery: GalleryCrop[][];
}

export interface ProposalRun {
  runId: number;
  phase: 'proposals' | 'clustering';
  done: number;
  total: number;
  imagesPerSecond: number;
  startedAt: number;
}

/** A proposal picked in a panel: image and index within that image's proposals. */
export interface ProposalRef {
  imageId: string;
  index: number;
}

export interface ProposalsSlice {
  proposalConfig: ProposalConfig;
  proposalRun: ProposalRun | null;
  proposals: ProposalView | null;
  live: ProposalView | null;
  /** Why the last run did not finish (cancelled or failed), until the next one starts. */
  proposalMessage: string | null;
  selectedCluster: number | null;
  selectedProposals: ProposalRef[];
  nextRunId: number;

  runProposals(config: ProposalConfig): void;
  cancelProposals(): void;
  selectCluster(cluster: number | null): void;
  selectProposals(refs: ProposalRef[]): void;

  proposalStateLoaded(config: ProposalConfig, result: ProposalRunResult | null): void;
  proposalsStarted(runId: number, total: number): void;
  proposalsProgressed(p: { runId: number; done: number; total: number; imagesPerSecond: number; images: ImageProposals[] }): void;
  proposalsClustering(runId: number): void;
  proposalsDone(runId: number, result: ProposalRunResult): void;
  proposalsEnded(runId: number, message: string): void;
}

function viewOf(result: ProposalRunResult): ProposalView {
  const { images, gallery, ...rest } = result;
  return {
    byImage: Object.fromEntries(images.map((im) => [im.imageId, im])),
    result: rest,
    gallery: gallery.map((crops) => crops.map((c) => ({ imageId: c.imageId, index: c.index, url: URL.createObjectURL(c.crop) }))),
  };
}

export function revokeView(view: ProposalView | null): void {
  for (const crops of view?.gallery ?? []) for (const c of crops) URL.revokeObjectURL(c.url);
}

export const createProposalsSlice: StateCreator<StudioState, [], [], ProposalsSlice> = (set, get) => ({
  proposalConfig: DEFAULT_PROPOSAL_CONFIG,
  proposalRun: null,
  proposals: null,
  live: null,
  proposalMessage: null,
  selectedCluster: null,
  selectedProposals: [],
  nextRunId: 1,

  runProposals: (config) => {
    const runId = get().nextRunId;
    set({ nextRunId: runId + 1, proposalConfig: config, proposalMessage: null });
    send({ type: 'runProposals', runId, config });
  },
  cancelProposals: () => {
    const run = get().proposalRun;
    if (run) send({ type: 'cancelProposals', runId: run.runId });
  },
  selectCluster: (cluster) => set({ selectedCluster: cluster }),
  selectProposals: (refs) => set({ selectedProposals: refs }),

  proposalStateLoaded: (config, result) => {
    revokeView(get().proposals);
    set({ proposalConfig: config, proposals: result ? viewOf(result) : null });
  },
  proposalsStarted: (runId, total) =>
    set({
      proposalRun: { runId, phase: 'proposals', done: 0, total, imagesPerSecond: 0, startedAt: Date.now() },
      live: { byImage: {}, result: null, gallery: [] },
    }),
  proposalsProgressed: (p) =>
    set((s) => {
      if (!s.proposalRun || s.proposalRun.runId !== p.runId || !s.live) return {};
      const byImage = { ...s.live.byImage };
      for (const im of p.images) byImage[im.imageId] = im;
      return {
        proposalRun: { ...s.proposalRun, done: p.done, total: p.total, imagesPerSecond: p.imagesPerSecond },
        live: { ...s.live, byImage },
      };
    }),
  proposalsClustering: (runId) =>
    set((s) => (s.proposalRun?.runId === runId ? { proposalRun: { ...s.proposalRun, phase: 'clustering' } } : {})),
  proposalsDone: (runId, result) => {
    if (get().proposalRun?.runId !== runId) return;
    revokeView(get().proposals);
    set({ proposalRun: null, live: null, proposals: viewOf(result), selectedCluster: null, selectedProposals: [] });
  },
  proposalsEnded: (runId, message) => {
    if (get().proposalRun?.runId !== runId && get().proposalRun !== null) return;
    set({ proposalRun: null, live: null, proposalMessage: message });
  },
});
