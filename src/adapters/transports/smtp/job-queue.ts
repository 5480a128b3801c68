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

  /** @param onRequeue called after a job is put back (with how many parked connections it woke), so the pool can open a connection for it. */
  constructor(private readonly onRequeue: (woken: number) => void = () => undefined) {}

  /** Jobs waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Add jobs at the back and wake every parked connection (those that find nothing park again); returns how many woke. */
  push(jobs: Job[]): number {
    for (const j of jobs) this.items.push(j);
    return this.wakeAll(true);
  }

  take(): Job | undefined {
    if (this.head >= this.items.length) return undefined;
    const j = this.items[this.head++];
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
    return out;
  }

  /** No more work: parked connections are told to stop, and so is any that asks later. */
  close(): void {
    this.closed = true;
    this.wakeAll(false);
  }

  private wakeAll(more: boolean): number {
    const idle = [...this.idle];
    this.idle.clear();
    for (const w of idle) w(more);
    return idle.length;
  }
}
