import type { OutgoingMessage, SendOutcome, Transport } from '../../../ports/transport.js';
import { ConnectionWorker, type Job, type JobSource } from './connection-worker.js';
import { errorFailure, SmtpError } from './smtp-error.js';
import { describeRelay, parseSmtpUrl, type SmtpOptions } from './smtp-options.js';

/**
 * The smtp transport: delivers to one relay over a pool of persistent connections (up to `maxConnections`),
 * with PIPELINING, STARTTLS and AUTH PLAIN/LOGIN, written on node:net/node:tls because a general-purpose
 * client spends its time building objects per message (nodemailer: ~2,300 msg/s here, CPU-bound).
 *
 * All `sendBatch` calls share one queue; each connection takes the next message when it is ready for one,
 * so a slow connection holds back only its own message. Outcomes come back in input order: 2yz → ok (with the
 * relay's queue id when its reply names one), 5yz → permanent, 4yz, timeouts and lost connections → transient,
 * with `throttle` when the relay asked to slow down. Never throws for a message; never shows the password.
 */
export class SmtpTransport implements Transport, JobSource {
  readonly name = 'smtp';
  /** The relay as shown in logs: `smtp://user@host:port`, without the password. */
  readonly relay: string;
  private queue: Job[] = [];
  private head = 0;
  private readonly workers = new Set<ConnectionWorker>();
  private readonly running = new Set<Promise<void>>();
  private opening = 0;
  private idle = new Set<(more: boolean) => void>();
  private closed = false;

  constructor(readonly options: SmtpOptions) {
    this.relay = describeRelay(options);
  }

  /** A transport for the relay URL (see parseSmtpUrl for its settings); throws a clear error when there is none. */
  static fromUrl(url: string | undefined, overrides: Partial<SmtpOptions> = {}): SmtpTransport {
    if (!url) throw new Error('the smtp transport needs a relay: set POSTFLOW_SMTP_URL (smtp://user:pass@host:587, or smtps://…:465)');
    return new SmtpTransport(parseSmtpUrl(url, overrides));
  }

  sendBatch(messages: OutgoingMessage[]): Promise<SendOutcome[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.resolve(messages.map(() => ({ ok: false, permanent: false, response: 'smtp transport is closed' })));
    const outcomes = new Array<SendOutcome>(messages.length);
    let left = messages.length;
    return new Promise((resolve) => {
      messages.forEach((msg, i) => {
        this.queue.push({
          msg,
          requeued: false,
          bodySent: false,
          done: (o) => {
            // A job is settled once; a second report (a late error) must not overwrite the first.
            if (outcomes[i] !== undefined) return;
            outcomes[i] = o;
            if (--left === 0) resolve(outcomes);
          },
        });
      });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failQueued(new SmtpError('closed', 'smtp transport is closing'));
    const idle = [...this.idle];
    this.idle.clear();
    for (const w of idle) w(false);
    await Promise.all(this.running);
  }

  /** Messages waiting for a connection. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  take(): Job | undefined {
    if (this.head >= this.queue.length) return undefined;
    const j = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return j;
  }

  requeue(job: Job): void {
    if (this.closed) {
      job.done(errorFailure(new SmtpError('closed', 'smtp transport closed before the message could be sent')));
      return;
    }
    if (this.head > 0) this.queue[--this.head] = job;
    else this.queue.unshift(job);
    this.dispatch();
  }

  wait(wake: (more: boolean) => void): void {
    if (this.closed) wake(false);
    else if (this.queued > 0) wake(true);
    else this.idle.add(wake);
  }

  unwait(wake: (more: boolean) => void): void {
    this.idle.delete(wake);
  }

  // Wake the idle connections, and open new ones while messages outnumber the connections that will soon be
  // free to take them (idle or still opening).
  private dispatch(): void {
    if (this.queued === 0) return;
    const idle = [...this.idle];
    this.idle.clear();
    for (const w of idle) w(true);
    while (this.workers.size < this.options.maxConnections && this.queued > idle.length + this.opening) this.spawn();
  }

  private spawn(): void {
    const w = new ConnectionWorker(this.options, this);
    this.workers.add(w);
    this.opening++;
    const run = (async () => {
      try {
        await w.open();
      } catch (err) {
        this.opening--;
        this.workers.delete(w);
        w.conn.destroy('handshake failed');
        // The relay refused or is unreachable and no other connection is alive or on its way: everything
        // waiting would wait forever, so it fails now (transiently) and the delivery worker retries later.
        if (this.workers.size === 0) this.failQueued(err as Error);
        return;
      }
      this.opening--;
      await w.run();
      this.workers.delete(w);
      // Replaced after QUIT at maxMessagesPerConnection, or after a drop that put messages back.
      if (!this.closed) this.dispatch();
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private failQueued(err: Error): void {
    for (let j = this.take(); j; j = this.take()) j.done(errorFailure(err));
  }
}
