import type { Job, JobSource } from './connection-worker.js';

/**
 * The messages waiting for a connection, shared by every `sendBatch` call and every pooled connection: FIFO,
 * with jobs put back at the front when their connection died before their content left, and idle connections
 * parked until work arrives.
 */
export class JobQueue implements JobSource {
  private items: Job[] = [];
  private head = 0;
  private readonly idle = new Set<(more: boolean) => void>();
  private closed = false;
  // Callers waiting for the queue to run short (whenShort), first come first served.
  private readonly shortWaiters: Array<() => void> = [];

  /**
   * @param onRequeue called after a job is put back (with how many parked connections it woke), so the pool can open a connection for it.
   * @param lowWater whenShort resolves while fewer jobs than this wait.
   */
  constructor(private readonly onRequeue: (woken: number) => void = () => undefined, private readonly lowWater = 0) {}

  /** Jobs waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Add jobs at the back and wake every parked connection (those that find nothing park again); returns how many woke. */
  push(jobs: Job[]): number {
    for (const j of jobs) this.items.push(j);
    return this.wakeAll(true);
  }

  /**
   * Resolves when fewer than `lowWater` jobs wait (at once if that is so now). Waiters are let go one at a time as
   * connections take jobs, so that each refills the queue before the next is told; all at once when it empties or closes.
   */
  whenShort(): Promise<void> {
    if (this.closed || this.size < this.lowWater) return Promise.resolve();
    return new Promise((resolve) => this.shortWaiters.push(resolve));
  }

  take(): Job | undefined {
    if (this.head >= this.items.length) {
      this.releaseShort(true);
      return undefined;
    }
    const j = this.items[this.head++];
    if (this.shortWaiters.length > 0 && this.size < this.lowWater) this.releaseShort(this.size === 0);
    // Compact now and then rather than shift() per job, which is O(n) on long queues.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return j;
  }

  requeue(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job;
    else this.items.unshift(job);
    this.onRequeue(this.wakeAll(true));
  }

  wait(wake: (more: boolean) => void): void {
    if (this.closed) wake(false);
    else if (this.size > 0) wake(true);
    else this.idle.add(wake);
  }

  unwait(wake: (more: boolean) => void): void {
    this.idle.delete(wake);
  }

  /** Take every waiting job out (to fail them). */
  drain(): Job[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.releaseShort(true);
    return out;
  }

  /** No more work: parked connections are told to stop, and so is any that asks later. */
  close(): void {
    this.closed = true;
    this.wakeAll(false);
    this.releaseShort(true);
  }

  private releaseShort(all: boolean): void {
    if (all) for (const w of this.shortWaiters.splice(0)) w();
    else this.shortWaiters.shift()?.();
  }

  private wakeAll(more: boolean): number {
    const idle = [...this.idle];
    this.idle.clear();
    for (const w of idle) w(more);
    return idle.length;
  }
}
