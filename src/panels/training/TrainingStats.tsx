// How fast the run goes and what it holds on the GPU, from the latest batch of steps. Shown once a
// run exists; dashes until its first steps arrive.

import { useStudio } from '../../store';
import { formatEta, formatMiB, formatRate } from './trainingText';

export function TrainingStats() {
  const stats = useStudio((s) => s.trainingStats);
  const hasRun = useStudio((s) => s.training !== null);
  if (!hasRun) return null;
  const rows: [string, string][] = [
    ['Steps/s', stats ? formatRate(stats.stepsPerSecond) : '—'],
    ['Images/s', stats ? formatRate(stats.imagesPerSecond) : '—'],
    ['Per step', stats ? `${Math.round(stats.msPerStep)} ms` : '—'],
    ['Tensors', stats ? String(stats.numTensors) : '—'],
    ['GPU memory', stats ? formatMiB(stats.numBytes) : '—'],
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
