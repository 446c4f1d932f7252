// The losses of every training step on a canvas, drawn from the loss ring buffer on animation
// frames. A step never renders React: each frame compares the buffer's version with the one last
// drawn and repaints only when it moved (or the size or the settings changed). The canvas's data
// attributes and label are written by the same frame, for tests and screen readers.

import { useEffect, useId, useRef, useState } from 'react';
import type { LossSeries } from '../store/lossSeries';
import { ChartBuffers, drawLossChart, LOSS_LINES, LR_LINE } from './drawLossChart';
import { chartSummary, latestPoint } from './lossChartMath';

interface Props {
  series: LossSeries;
  stepsPerRound: number;
}

export function LossChart({ series, stepsPerRound }: Props) {
  const [smoothing, setSmoothing] = useState(0.6);
  const [log, setLog] = useState(false);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const id = useId();

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const bufs = new ChartBuffers();
    // -1 forces a first draw, and a redraw after a resize or a change of settings.
    let drawnVersion = -1;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      drawnVersion = -1;
    });
    observer.observe(canvas);
    const tick = () => {
      frame = requestAnimationFrame(tick);
      if (series.version === drawnVersion) return;
      drawnVersion = series.version;
      const points = drawLossChart(canvas, series, { smoothing, log, stepsPerRound }, bufs);
      const last = latestPoint(series);
      canvas.dataset.points = String(points);
      if (last) canvas.dataset.lastLoss = last.loss.toFixed(4);
      else delete canvas.dataset.lastLoss;
      canvas.setAttribute('aria-label', chartSummary(last, points));
    };
    frame = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [series, smoothing, log, stepsPerRound]);

  return (
    <figure className="loss-chart">
      <div className="chart-controls">
        <label htmlFor={`${id}-smoothing`}>Smoothing</label>
        <input
          id={`${id}-smoothing`}
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={smoothing}
          aria-valuetext={smoothing === 0 ? 'off' : smoothing.toFixed(2)}
          onChange={(e) => setSmoothing(Number(e.currentTarget.value))}
        />
        <output htmlFor={`${id}-smoothing`}>{smoothing === 0 ? 'off' : smoothing.toFixed(2)}</output>
        <label>
          <input type="checkbox" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} /> Log scale
        </label>
      </div>
      <canvas ref={canvasRef} className="loss-canvas" data-testid="loss-chart" role="img" aria-label="Loss chart: no training steps yet" />
      <figcaption>
        <ul className="chart-legend" aria-label="Legend">
          {[...LOSS_LINES, LR_LINE].map((l) => (
            <li key={l.field}>
              <span className={`legend-swatch${l === LR_LINE ? ' dashed' : ''}`} style={{ borderColor: l.colour }} aria-hidden="true" />
              {l.label}
            </li>
          ))}
        </ul>
        <p className="hint">
          Faint lines are the raw value of every step, solid lines their moving average; a dashed vertical line marks the start of a
          self-training round.
        </p>
      </figcaption>
    </figure>
  );
}
