/** Where a progress bar draws: a terminal (redrawn in place) or a log (a line now and then). */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/**
 * A one-line progress bar, no dependency: on a terminal it redraws in place at most every 100 ms; elsewhere
 * (a pipe, a CI log) it prints a plain line at most every 5 s, so logs stay short.
 */
export class ProgressBar {
  private last = -Infinity;
  private drawn = false;

  constructor(private readonly out: ProgressOutput, private readonly now: () => number = Date.now) {}

  /** Show `fraction` done (0–1, or null when unknown) and a label; throttled unless `force`. */
  update(fraction: number | null, label: string, force = false): void {
    const t = this.now();
    const every = this.out.isTTY ? 100 : 5000;
    if (!force && t - this.last < every) return;
    this.last = t;
    const pct = fraction === null ? '' : `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100).toString().padStart(3)}% `;
    if (!this.out.isTTY) {
      this.out.write(`${pct}${label}\n`);
      return;
    }
    const width = 24;
    const filled = fraction === null ? 0 : Math.round(Math.min(1, Math.max(0, fraction)) * width);
    const bar = fraction === null ? '' : `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] `;
    const line = `${bar}${pct}${label}`.slice(0, Math.max(20, (this.out.columns ?? 100) - 1));
    this.out.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** End the bar: a final line, and the cursor on a fresh line. */
  done(label: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(`${label}\n`);
  }
}
