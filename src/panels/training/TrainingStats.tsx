// How fast the run goes and what it holds (its tensors, and what the backend took for them), from
// the latest batch of steps. Shown once a
// run exists; dashes until its first steps arrive.

import { useStudio } from '../../store';
import { formatEta, formatMiB, formatRate } from './trainingText';

export function TrainingStats() {
  const stats = useStudio((s) => s.trainingStats);
  const hasRun = useStudio((s) => s.training !== null);
  const backend = useStudio((s) => s.backendReport?.backend);
  if (!hasRun) return null;
  const rows: [string, string][] = [
    ['Steps/s', stats ? formatRate(stats.stepsPerSecond) : '—'],
    ['Images/s', stats ? formatRate(stats.imagesPerSecond) : '—'],
    ['Per step', stats ? `${Math.round(stats.msPerStep)} ms` : '—'],
    ['Tensors', stats ? String(stats.numTensors) : '—'],
    ['Tensor memory', stats ? formatMiB(stats.numBytes) : '—'],
    [backend === 'wasm' ? 'WebAssembly heap' : 'GPU memory held', stats?.backendBytes != null ? formatMiB(stats.backendBytes) : '—'],
    ['Time left', stats ? formatEta(stats.etaSeconds) : '—'],
  ];
  return (
    <dl className="meta training-stats" data-testid="training-stats" data-tensors={stats?.numTensors}>
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
