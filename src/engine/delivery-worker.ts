import { randomBytes } from 'node:crypto';
import { nextRetryDelay, type RetryPolicy } from '../domain/retry-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryMetrics } from '../ports/metrics.js';
import type { DeliveryResult, MessageRecord, Store } from '../ports/store.js';
import type { OutgoingMessage, SendOutcome, Transport } from '../ports/transport.js';
import { composeMessage } from '../compose/compose-message.js';
import type { TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from '../services/template-catalog.js';

/** Tuning of the delivery loops. */
export interface DeliveryOptions {
  /** Concurrent claim → send → record loops in this process. */
  loops: number;
  /** Messages claimed per batch. */
  batchSize: number;
  /** How long a claim holds a message; an expired lease is taken back by any worker. */
  leaseMs: number;
  /** Longest sleep when the queue is empty (a wake() or a due message ends it sooner). */
  idleMs: number;
  retry: RetryPolicy;
}

/** What the delivery engine is built from. */
export interface DeliveryDeps {
  store: Store;
  transport: Transport;
  catalog: TemplateCatalog;
  engine: TemplateEngine;
  clock: Clock;
  log: Logger;
  metrics: DeliveryMetrics;
  random?: () => number;
}

/**
 * The delivery engine: loops that claim due messages in batches (priority, then due time) under a lease,
 * compose them, hand them to the transport and record every result of a batch in one transaction.
 * Nothing lives only in memory: a crash leaves leased rows that any worker takes back when the lease expires.
 */
export class DeliveryWorker {
  readonly owner = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  private running = false;
  private loops: Promise<void>[] = [];
  private reaper: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];

  constructor(private readonly deps: DeliveryDeps, private readonly opts: DeliveryOptions) {}

  /** Start the loops and the lease reaper. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const reap = (): void => {
      this.deps.store.releaseExpiredLeases(this.deps.clock.now()).then((n) => {
        if (n > 0) {
          this.deps.log.warn({ count: n }, 'requeued messages whose worker lease expired');
          this.wake();
        }
      }, (err: unknown) => this.deps.log.error({ err }, 'lease reaper failed'));
    };
    reap();
    this.reaper = setInterval(reap, Math.max(250, Math.floor(this.opts.leaseMs / 2)));
    this.reaper.unref();
    for (let i = 0; i < this.opts.loops; i++) this.loops.push(this.loop());
  }

  /** Stop claiming, let in-flight batches finish and be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.reaper) clearInterval(this.reaper);
    this.wake();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** New messages are due: end the idle sleep of every loop. */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Claim, deliver and record one batch; returns how many messages it handled. */
  async runOnce(): Promise<number> {
    const { store, clock } = this.deps;
    const claimed = await store.claimMessages(this.owner, clock.now(), this.opts.batchSize, this.opts.leaseMs);
    if (claimed.length === 0) return 0;
    const results = await this.deliver(claimed);
    const recorded = new Set(await store.recordResults(this.owner, results));
    for (const r of results) {
      if (!recorded.has(r.id)) {
        this.deps.log.warn({ msg_id: r.id }, 'result not recorded: the lease had passed to another worker');
        continue;
      }
      this.deps.metrics.sendResult(this.deps.transport.name, r.status);
      const m = claimed.find((c) => c.id === r.id);
      if (m && r.status !== 'deferred') this.deps.metrics.processingDuration((r.at - m.createdAt) / 1000);
    }
    return claimed.length;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (err) {
        this.deps.log.error({ err }, 'delivery batch failed; its messages return when their lease expires');
        await this.sleep(this.opts.idleMs);
        continue;
      }
      if (handled < this.opts.batchSize && this.running) await this.sleepUntilDue();
    }
  }

  private async sleepUntilDue(): Promise<void> {
    let ms = this.opts.idleMs;
    try {
      const next = await this.deps.store.nextDueAt();
      if (next !== null) ms = Math.min(ms, Math.max(0, next - this.deps.clock.now()));
    } catch {
      // The store is unreachable: sleep the idle time and try again.
    }
    if (ms > 0) await this.sleep(ms);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private async deliver(batch: MessageRecord[]): Promise<DeliveryResult[]> {
    const { clock, catalog, engine, transport } = this.deps;
    const results = new Map<string, DeliveryResult>();
    const outgoing: OutgoingMessage[] = [];
    const started = clock.now();
    for (const m of batch) {
      try {
        const compiled = await catalog.compiledFor(m);
        outgoing.push(composeMessage(m, compiled, engine, started));
      } catch (err) {
        // A message that cannot be composed will not compose on a retry either.
        results.set(m.id, { id: m.id, status: 'failed', at: clock.now(), error: `compose failed: ${(err as Error).message}` });
      }
    }
    let outcomes: SendOutcome[];
    this.deps.metrics.inFlight(outgoing.length);
    try {
      outcomes = await transport.sendBatch(outgoing);
    } catch (err) {
      outcomes = outgoing.map(() => ({ ok: false, permanent: false, response: `transport error: ${(err as Error).message}` }));
    } finally {
      this.deps.metrics.inFlight(-outgoing.length);
    }
    const at = clock.now();
    const byId = new Map(batch.map((m) => [m.id, m]));
    outgoing.forEach((o, i) => {
      const m = byId.get(o.id)!;
      results.set(o.id, this.classify(m, o, outcomes[i]!, at, at - started));
    });
    return batch.map((m) => results.get(m.id)!);
  }

  private classify(m: MessageRecord, o: OutgoingMessage, out: SendOutcome, at: number, ms: number): DeliveryResult {
    const base = { id: m.id, at, transport: this.deps.transport.name, messageIdHeader: o.messageId, processingMs: at - m.createdAt };
    const log = this.deps.log.child({ msg_id: m.id });
    if (out.ok) {
      log.info({ transport: base.transport, provider_message_id: out.providerMessageId, send_ms: ms }, 'sent');
      return { ...base, status: 'sent', providerMessageId: out.providerMessageId, detail: { response: out.response, attempt: m.attempts } };
    }
    const detail = { attempt: m.attempts, enhanced_code: out.enhancedCode };
    if (out.permanent) {
      log.warn({ code: out.code, response: out.response }, 'failed permanently');
      return { ...base, status: 'failed', code: out.code, error: out.response, detail };
    }
    const delay = m.attempts < m.maxAttempts ? nextRetryDelay(this.opts.retry, m.attempts, (this.deps.random ?? Math.random)()) : null;
    if (delay === null) {
      log.warn({ code: out.code, response: out.response, attempts: m.attempts }, 'failed: retries exhausted');
      return { ...base, status: 'failed', code: out.code, error: `retries exhausted after ${m.attempts} attempts; last: ${out.response}`, detail };
    }
    log.info({ code: out.code, response: out.response, retry_in_ms: delay }, 'deferred');
    return { ...base, status: 'deferred', dueAt: at + delay, code: out.code, error: out.response, detail };
  }
}
