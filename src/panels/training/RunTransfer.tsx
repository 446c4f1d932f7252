// Export the last checkpoint as a .zip, and import one (or a bare .safetensors) as the current
// checkpoint. The worker builds and checks the files; a failed import says why in the error
// banner and leaves the saved run as it was.

import { useId, type ChangeEvent } from 'react';
import { useStudio } from '../../store';
import { isActive } from './runGate';
import { chooseSaveTarget, saveBytes } from './saveBytes';

export function RunTransfer() {
  const checkpoint = useStudio((s) => s.checkpoint);
  const running = useStudio((s) => isActive(s.training?.status));
  const exportBusy = useStudio((s) => s.exportBusy);
  const importBusy = useStudio((s) => s.importBusy);
  const exportRun = useStudio((s) => s.exportRun);
  const importRun = useStudio((s) => s.importRun);
  const reportError = useStudio((s) => s.reportError);
  const inputId = useId();

  const onExport = async () => {
    if (!checkpoint) return;
    try {
      const target = await chooseSaveTarget(`simdetr-${checkpoint.preset}-step${checkpoint.step}.zip`);
      if (!target) return;
      const run = await exportRun();
      if (run) await saveBytes(target, run.bytes, run.fileName);
    } catch (err) {
      reportError('export', err instanceof Error ? err.message : String(err));
    }
  };

  const onImport = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    // Cleared so that choosing the same file again imports it again.
    e.target.value = '';
    if (file) importRun(file);
  };

  return (
    <div className="run-transfer" data-testid="run-transfer" data-step={checkpoint?.step ?? ''}>
      <button type="button" disabled={!checkpoint || exportBusy} onClick={() => void onExport()}>
        {exportBusy ? 'Exporting…' : 'Export run (.zip)'}
      </button>
      <label htmlFor={inputId}>Import run (.zip or .safetensors)</label>
      <input id={inputId} type="file" accept=".zip,.safetensors" disabled={running || importBusy} onChange={onImport} data-testid="import-run" />
      {importBusy && (
        <p className="hint" role="status">
          Checking the imported run…
        </p>
      )}
    </div>
  );
}
