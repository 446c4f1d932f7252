// AP50 on the held-out images against fine-tuning steps, one line per arm: a handful of points,
// redrawn only when an evaluation arrives, so plain SVG.

import { formatMetric, type DownstreamArm, type DownstreamPoint } from '../../core/downstream';

export const ARM_LABEL: Record<DownstreamArm, string> = { pretrained: 'pretrained', none: 'not pretrained' };
const ARM_COLOR: Record<DownstreamArm, string> = { pretrained: '#1f6feb', none: '#b35900' };
const [W, H, LEFT, BOTTOM, TOP, RIGHT] = [560, 220, 44, 28, 10, 12];

interface Props {
  curves: Record<DownstreamArm, DownstreamPoint[]>;
  totalSteps: number;
}

export function DownstreamChart({ curves, totalSteps }: Props) {
  const arms = (Object.keys(curves) as DownstreamArm[]).filter((a) => curves[a].length > 0);
  const top = Math.max(0.01, ...arms.flatMap((a) => curves[a].map((p) => p.ap50)));
  const x = (step: number) => LEFT + ((W - LEFT - RIGHT) * step) / Math.max(1, totalSteps);
  const y = (v: number) => TOP + (H - TOP - BOTTOM) * (1 - v / top);
  const ticks = [0, top / 2, top];
  return (
    <figure className="downstream-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="AP50 on the held-out images against fine-tuning steps" data-testid="downstream-chart">
        <line x1={LEFT} y1={y(0)} x2={W - RIGHT} y2={y(0)} stroke="currentColor" strokeOpacity={0.5} />
        <line x1={LEFT} y1={TOP} x2={LEFT} y2={y(0)} stroke="currentColor" strokeOpacity={0.5} />
        {ticks.map((t) => (
          <text key={t} x={LEFT - 4} y={y(t) + 4} textAnchor="end" fontSize={11}>
            {formatMetric(t)}
          </text>
        ))}
        <text x={LEFT} y={H - 8} fontSize={11}>0</text>
        <text x={W - RIGHT} y={H - 8} fontSize={11} textAnchor="end">{`${totalSteps} steps`}</text>
        {arms.map((a) => (
          <g key={a} stroke={ARM_COLOR[a]} fill={ARM_COLOR[a]} data-arm={a}>
            <polyline fill="none" strokeWidth={2} points={curves[a].map((p) => `${x(p.step)},${y(p.ap50)}`).join(' ')} />
            {curves[a].map((p) => <circle key={p.step} cx={x(p.step)} cy={y(p.ap50)} r={3} />)}
          </g>
        ))}
      </svg>
      <figcaption className="chart-legend">
        {arms.map((a) => (
          <span key={a}>
            <span className="legend-swatch" style={{ borderColor: ARM_COLOR[a] }} /> {ARM_LABEL[a]}
          </span>
        ))}
        <span className="note">AP50 (class-aware) on the held-out images</span>
      </figcaption>
    </figure>
  );
}
