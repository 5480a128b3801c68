import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../../../ports/transport.js';
import { ConnectionWorker, type Job } from './connection-worker.js';
import { JobQueue } from './job-queue.js';
import { errorFailure, SmtpError } from './smtp-error.js';
import { connectionShare, describeRelay, parseSmtpUrl, type PoolShare, type SmtpOptions } from './smtp-options.js';

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
export class SmtpTransport implements Transport {
  readonly name = 'smtp';
  /** The relay as shown in logs: `smtp://user@host:port`, without the password. */
  readonly relay: string;
  readonly eightBit: boolean;
  private readonly queue: JobQueue;
  private readonly workers = new Set<ConnectionWorker>();
  private readonly running = new Set<Promise<void>>();
  private opening = 0;
  private closed = false;

  constructor(readonly options: SmtpOptions) {
    this.relay = describeRelay(options);
    this.eightBit = options.eightBit;
    // Enough composed messages waiting to keep every connection busy while more are composed (readyForMore).
    this.queue = new JobQueue((woken) => this.dispatch(woken), 8 * options.maxConnections);
  }

  /** Resolves when fewer than 8 messages per connection wait for one (Transport.readyForMore). */
  readyForMore(): Promise<void> {
    return this.queue.whenShort();
  }

  /** A transport for the relay URL (see parseSmtpUrl for its settings); throws a clear error when there is none. */
  static fromUrl(url: string | undefined, overrides: Partial<SmtpOptions> = {}, share?: PoolShare): SmtpTransport {
    if (!url) throw new Error('the smtp transport needs a relay: set POSTFLOW_SMTP_URL (smtp://user:pass@host:587, or smtps://…:465)');
    const opts = parseSmtpUrl(url, overrides);
    if (share) opts.maxConnections = connectionShare(opts.maxConnections, share.index, share.count);
    return new SmtpTransport(opts);
  }

  sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.resolve(messages.map(() => ({ ok: false, permanent: false, response: 'smtp transport is closed' })));
    const outcomes = new Array<SendOutcome>(messages.length);
    let left = messages.length;
    return new Promise((resolve) => {
      const woken = this.queue.push(messages.map((msg, i): Job => ({
        msg,
        requeued: false,
        bodySent: false,
        committing: hooks?.onCommitting ? () => hooks.onCommitting!(i) : undefined,
        done: (o) => {
          // A job is settled once; a second report (a late error) must not overwrite the first.
          if (outcomes[i] !== undefined) return;
          outcomes[i] = o;
          hooks?.onOutcome?.(i, o);
          if (--left === 0) resolve(outcomes);
        },
      })));
      this.dispatch(woken);
    });
  }

  /** Fail what is still waiting (transiently), let in-flight transactions finish, QUIT every connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.failQueued(new SmtpError('closed', 'smtp transport closed before the message could be sent'));
    this.queue.close();
    await Promise.all(this.running);
  }

  // Open connections while messages outnumber the connections about to take them (`woken` from parking, or
  // still opening); busy ones take more as they finish.
  private dispatch(woken = 0): void {
    if (this.closed) {
      this.failQueued(new SmtpError('closed', 'smtp transport closed before the message could be sent'));
      return;
    }
    while (this.workers.size < this.options.maxConnections && this.queue.size > woken + this.opening) this.spawn();
  }

  private spawn(): void {
    const w = new ConnectionWorker(this.options, this.queue);
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
      this.dispatch();
    })();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private failQueued(err: Error): void {
    for (const j of this.queue.drain()) j.done(errorFailure(err));
  }
}
