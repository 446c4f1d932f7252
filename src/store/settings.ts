// Backend settings: saved in localStorage, overridable by URL parameters (used by tests and the
// headless runner): ?backend=webgpu|webgl|wasm|cpu|auto&allowFallbackAdapter=1&demo=0&cacheSize=128

import type { BackendPreference } from '../worker/protocol';
import type { BackendSettings } from './backendSlice';

const KEY = 'simdetr.backendSettings';
const PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

function isPreference(x: unknown): x is BackendPreference {
  return typeof x === 'string' && (PREFERENCES as readonly string[]).includes(x);
}

export function loadBackendSettings(): BackendSettings {
  const settings: BackendSettings = { backend: 'auto', allowFallbackAdapter: false };
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    if (typeof saved === 'object' && saved !== null) {
      const s = saved as Record<string, unknown>;
      if (isPreference(s.backend)) settings.backend = s.backend;
      if (typeof s.allowFallbackAdapter === 'boolean') settings.allowFallbackAdapter = s.allowFallbackAdapter;
    }
  } catch {
    // A damaged entry falls back to the defaults; it is rewritten on the next save.
  }
  const params = new URLSearchParams(location.search);
  const backend = params.get('backend');
  if (isPreference(backend)) settings.backend = backend;
  const allow = params.get('allowFallbackAdapter');
  if (allow !== null) settings.allowFallbackAdapter = allow === '1' || allow === 'true';
  return settings;
}

/** Saves the settings and reloads: the worker and its backend are created once per page. */
export function saveBackendSettingsAndReload(settings: BackendSettings): void {
  localStorage.setItem(KEY, JSON.stringify(settings));
  const url = new URL(location.href);
  url.searchParams.delete('backend');
  url.searchParams.delete('allowFallbackAdapter');
  location.assign(url.toString());
}

export function demoOnFirstVisit(): boolean {
  return new URLSearchParams(location.search).get('demo') !== '0';
}

/** Short side of the cached copies: 320 unless ?cacheSize= asks for 64–1024 (tests use 128). */
export function cacheShortSide(): number {
  const asked = Number(new URLSearchParams(location.search).get('cacheSize'));
  return Number.isInteger(asked) && asked >= 64 && asked <= 1024 ? asked : 320;
}
