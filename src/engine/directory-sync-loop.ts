import type { Logger } from '../ports/logger.js';

/** What the loop drives: DirectorySync.syncDue. */
export interface DueSync {
  syncDue(intervalMs: number): Promise<number>;
}

/**
 * The directory-sync schedule: every so often, sync each service account whose last sync is older than the
 * interval. Accounts are claimed in the store, so with several worker processes each account is synced by one.
 * Ticks never overlap; `stop()` waits for a tick in progress.
 */
export class DirectorySyncLoop {
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> | null = null;
  private running = false;

  constructor(private readonly sync: DueSync, private readonly intervalMs: number, private readonly log: Logger) {}

  /** Start ticking (a first tick at once); does nothing when the interval is 0 (sync on demand only). */
  start(): void {
    if (this.running || this.intervalMs <= 0) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.tick;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.tick = this.sync.syncDue(this.intervalMs).then(
        (n) => { if (n > 0) this.log.info({ accounts: n }, 'scheduled directory sync done'); },
        (err: unknown) => this.log.error({ err }, 'scheduled directory sync failed'),
      ).finally(() => {
        this.tick = null;
        // Look a few times per interval (at most once a minute) so a due account waits little.
        if (this.running) this.schedule(Math.max(1000, Math.min(60_000, Math.floor(this.intervalMs / 4))));
      });
    }, ms);
    this.timer.unref();
  }
}
