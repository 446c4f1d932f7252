// Progress on stderr, one stage at a time: a bar with the count, rate and ETA redrawn in place on a
// terminal; plain lines when stderr is a file or a pipe (one per 5 % of the stage or per minute,
// plus each stage's end), so CI logs stay readable. The ETA is the stage's own wall-clock rate.

const WIDTH = 24;
const PLAIN_EVERY_MS = 60_000;
const PLAIN_EVERY_FRACTION = 0.05;
const REDRAW_MS = 100;

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const t = Math.round(s);
  const [h, m, sec] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export class Progress {
  private stage = '';
  private unit = '';
  private startedAt = 0;
  /** Count at the stage's first update: a resumed stage's ETA uses only what this session did. */
  private firstDone: number | null = null;
  private firstAt = 0;
  private lastDraw = 0;
  private lastFraction = -1;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty: boolean = Boolean(process.stderr.isTTY),
  ) {}

  /** Starts a stage; without `unit` it has no count (a spinner-less "working…" line). */
  start(stage: string, unit = ''): void {
    this.clear();
    this.stage = stage;
    this.unit = unit;
    this.startedAt = performance.now();
    this.firstDone = null;
    this.lastDraw = 0;
    this.lastFraction = -1;
    this.write(`${stage}…`);
  }

  update(done: number, total: number, note = ''): void {
    const now = performance.now();
    if (this.firstDone === null) {
      this.firstDone = done;
      this.firstAt = now;
    }
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const due = this.tty
      ? now - this.lastDraw >= REDRAW_MS
      : now - this.lastDraw >= PLAIN_EVERY_MS || frac - this.lastFraction >= PLAIN_EVERY_FRACTION;
    if (done < total && !due) return;
    this.lastDraw = now;
    this.lastFraction = frac;
    const rate = (done - this.firstDone) / ((now - this.firstAt) / 1000);
    const eta = rate > 0 ? formatSeconds((total - done) / rate) : '?';
    const bar = `[${'#'.repeat(Math.round(frac * WIDTH)).padEnd(WIDTH, '.')}]`;
    const text = `${this.stage} ${bar} ${done}/${total} ${this.unit} ${(frac * 100).toFixed(0)}% ETA ${eta}${note ? `  ${note}` : ''}`;
    this.write(text);
  }

  /** Ends the stage with its wall time and returns it in seconds. */
  end(summary = ''): number {
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.clear();
    this.out.write(`${this.stage}: done in ${formatSeconds(seconds)}${summary ? ` (${summary})` : ''}\n`);
    this.stage = '';
    return seconds;
  }

  /** A line of its own, between redraws of the bar. */
  note(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  private write(text: string): void {
    if (this.tty) {
      this.out.write(`\r\x1b[K${text}`);
      this.drawn = true;
    } else this.out.write(`${text}\n`);
  }

  private clear(): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
