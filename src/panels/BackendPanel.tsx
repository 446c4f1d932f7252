// Which backend and adapter run the math, why anything fell back, and the backend settings.

import { useId, useState } from 'react';
import { useStudio } from '../store';
import { saveBackendSettingsAndReload } from '../store/settings';
import type { BackendPreference } from '../worker/protocol';

export function BackendPanel() {
  const status = useStudio((s) => s.backendStatus);
  const report = useStudio((s) => s.backendReport);
  const error = useStudio((s) => s.backendError);
  const settings = useStudio((s) => s.backendSettings);
  const [open, setOpen] = useState(false);
  const selectId = useId();
  const adapter = report?.adapter;
  const label =
    status === 'starting' ? 'starting…' : status === 'failed' ? 'no backend' : (report?.backend ?? '');
  return (
    <section className="backend" aria-label="Compute backend">
      <p className="backend-line" data-testid="backend-status">
        Backend: <strong data-testid="backend-name">{label}</strong>
        {adapter && (
          <span data-testid="backend-adapter">
            {' '}
            on {adapter.vendor || 'unknown vendor'} {adapter.architecture}
            {adapter.isFallbackAdapter ? ' (software adapter)' : ''}
          </span>
        )}
      </p>
      {error && <p className="warning">{error}</p>}
      {report && report.fallbackReasons.length > 0 && (
        <details className="fallback">
          <summary>Why not {report.fallbackReasons.map((r) => r.split(':')[0]).join(', ')}?</summary>
          <ul>
            {report.fallbackReasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </details>
      )}
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Backend settings
      </button>
      {open && (
        <form
          className="backend-settings"
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            saveBackendSettingsAndReload({
              backend: String(data.get('backend')) as BackendPreference,
              allowFallbackAdapter: data.get('allowFallbackAdapter') === 'on',
            });
          }}
        >
          <label htmlFor={selectId}>Preferred backend</label>
          <select id={selectId} name="backend" defaultValue={settings.backend}>
            <option value="auto">Automatic (WebGPU, then WebGL, then WebAssembly, then CPU)</option>
            <option value="webgpu">WebGPU</option>
            <option value="webgl">WebGL</option>
            <option value="wasm">WebAssembly</option>
            <option value="cpu">CPU</option>
          </select>
          <label>
            <input type="checkbox" name="allowFallbackAdapter" defaultChecked={settings.allowFallbackAdapter} /> Allow
            software WebGPU (e.g. SwiftShader)
          </label>
          <button type="submit">Apply and reload</button>
        </form>
      )}
    </section>
  );
}
