// How the run's progress and speed read in the sidebar: the status line and the stats' units.

import type { TrainingProgress } from '../../store/trainingSlice';

/** "Round 1 of 2 · step 37 / 100 · running", then the worker's message (why a run failed). */
export function statusText(t: TrainingProgress | null, rounds: number, stepsPerRound: number): string {
  if (!t) return 'Not started';
  // The worker sends totalSteps once the images are loaded; until then the config tells it.
  const total = t.totalSteps || rounds * stepsPerRound;
  // Settings can change after a run ended; the run's own round still shows sensibly.
  const line = `Round ${t.round + 1} of ${Math.max(rounds, t.round + 1)} · step ${t.step} / ${total} · ${t.status}`;
  return t.message ? `${line} — ${t.message}` : line;
}

/** m:ss, or h:mm:ss past an hour; a dash while unknown. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Two decimals below 10 (software GPUs train well under one step a second), one above. */
export function formatRate(x: number): string {
  return Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '—';
}
