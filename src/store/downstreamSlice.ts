// The downstream check as the UI sees it: the settings, the check running (its plan and the curve
// of each arm as evaluations arrive, a few per arm) and the last check's outcome. The worker does
// the work (worker/downstreamRunner.ts). A check that fails before it starts (bad labels, no
// detector) leaves the last finished check on show, with the reason beside it.

import type { StateCreator } from 'zustand';
import { DEFAULT_DOWNSTREAM, type DownstreamArm, type DownstreamPoint, type DownstreamSettings } from '../core/downstream';
import type { DetrPreset } from '../core/detrConfig';
import type { DownstreamArmResult, DownstreamPlan } from '../worker/protocol';
import { send } from './transport';
import type { StudioState } from './index';

export interface DownstreamCheck {
  runId: number;
  /** The labels file's name. */
  labels: string;
  status: 'preparing' | 'running' | 'done' | 'cancelled' | 'failed';
  /** Known once the worker has matched and split the labels. */
  plan: DownstreamPlan | null;
  curves: Record<DownstreamArm, DownstreamPoint[]>;
  /** The arms' final detections, once done. */
  results: DownstreamArmResult[] | null;
  message: string | null;
}

export interface DownstreamSlice {
  downstreamSettings: DownstreamSettings;
  downstream: DownstreamCheck | null;
  /** Why the last check could not start; the check before it stays in `downstream`. */
  downstreamError: string | null;
  /** The pretrained detector chosen as a file (an export); null = the last checkpoint. */
  downstreamInit: File | null;
  setDownstreamInit(file: File | null): void;
  setDownstreamSettings(settings: DownstreamSettings): void;
  /** Starts a check; returns its run id. */
  runDownstream(labels: File, arms: DownstreamArm[], preset: DetrPreset | null): number;
  cancelDownstream(): void;
  downstreamStarted(plan: DownstreamPlan): void;
  downstreamProgressed(runId: number, arm: DownstreamArm, point: DownstreamPoint): void;
  downstreamDone(runId: number, results: DownstreamArmResult[]): void;
  downstreamEnded(runId: number, outcome: 'cancelled' | 'failed', message: string): void;
}

/** The check is under way (the worker is busy with it). */
export const checkGoing = (c: DownstreamCheck | null): boolean => c?.status === 'preparing' || c?.status === 'running';

let nextCheckId = 1;
/** The check on show when the current one started, back on show if the current one cannot start. */
let previous: DownstreamCheck | null = null;

export const createDownstreamSlice: StateCreator<StudioState, [], [], DownstreamSlice> = (set, get) => {
  /** Applies `change` to the check `runId` only: events of an older check are dropped. */
  const update = (runId: number, change: (c: DownstreamCheck) => Partial<DownstreamCheck>) => {
    const c = get().downstream;
    if (c?.runId === runId) set({ downstream: { ...c, ...change(c) } });
  };
  return {
    downstreamSettings: DEFAULT_DOWNSTREAM,
    downstream: null,
    downstreamError: null,
    downstreamInit: null,
    setDownstreamInit: (downstreamInit) => set({ downstreamInit }),
    setDownstreamSettings: (downstreamSettings) => set({ downstreamSettings }),
    runDownstream: (labels, arms, preset) => {
      const runId = nextCheckId++;
      const { downstreamSettings: settings, downstreamInit: pretrained, downstream: current } = get();
      previous = current?.status === 'done' ? current : null;
      set({
        downstreamError: null,
        downstream: {
          runId, labels: labels.name, status: 'preparing', plan: null, curves: { pretrained: [], none: [] }, results: null, message: null,
        },
      });
      send({ type: 'runDownstream', request: { runId, labels, arms, pretrained, settings, preset } });
      return runId;
    },
    cancelDownstream: () => {
      const c = get().downstream;
      if (c && checkGoing(c)) send({ type: 'cancelDownstream', runId: c.runId });
    },
    downstreamStarted: (plan) => update(plan.runId, () => ({ plan, status: 'running' })),
    downstreamProgressed: (runId, arm, point) => update(runId, (c) => ({ curves: { ...c.curves, [arm]: [...c.curves[arm], point] } })),
    downstreamDone: (runId, results) => update(runId, () => ({ status: 'done', results })),
    downstreamEnded: (runId, outcome, message) => {
      const c = get().downstream;
      if (c?.runId !== runId) return;
      if (c.plan === null) return set({ downstream: previous, downstreamError: `The check ${outcome}: ${message}` });
      set({ downstream: { ...c, status: outcome, message } });
    },
  };
};
