// lib/cli/progress.ts — a dependency-free progress bar for the CLI: redrawn in place on a TTY
// (stderr), silent otherwise, so logs and pipes stay clean. Shows done/total, rate and ETA.
export class ProgressBar {
  private readonly tty: boolean;
  private started = Date.now();
  private lastDraw = 0;
  private total = 1;
  private label = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, enabled?: boolean) {
    this.tty = enabled ?? Boolean(stream.isTTY);
  }

  /** Starts a new bar for `total` units. */
  start(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(1, total);
    this.started = Date.now();
    this.lastDraw = 0;
  }

  /** Redraws (at most 10 times a second) with `done` units finished and a suffix. */
  update(done: number, suffix = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const width = 24;
    const frac = Math.min(1, done / this.total);
    const filled = Math.round(frac * width);
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${formatSeconds(elapsed)}<${formatSeconds(eta)} ${suffix}`;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
