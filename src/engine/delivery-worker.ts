import { randomBytes } from 'node:crypto';
import type { RetryPolicy } from '../domain/retry-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryMetrics } from '../ports/metrics.js';
import type { DeliveryResult, MessageRecord, Store } from '../ports/store.js';
import type { SendOutcome, Transport } from '../ports/transport.js';
import type { DkimKey } from '../compose/dkim.js';
import type { TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import { classifyOutcome } from './classify-outcome.js';
import { InProcessComposeSend, type ComposeSend, type ComposeSendResult } from './compose-send.js';
import type { ThrottleGate } from './throttle-gate.js';
import type { SentJournal } from '../ports/sent-journal.js';
import { DEFAULT_IN_DOUBT, inDoubtAttempt, inDoubtPolicyFor, type InDoubtPolicies } from '../domain/in-doubt.js';
import type { SenderRouter } from './sender-router.js';

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
  /** A message accepted longer ago than this fails instead of being deferred again (default 72 h). */
  queueLifetimeMs?: number;
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
  /** Per-domain, relay and global throttles; none when absent. */
  gate?: ThrottleGate;
  /** DKIM key for mail from its domain; no signing when absent. */
  dkim?: DkimKey;
  /** Where composing and sending happen (e.g. delivery threads); default: on this thread, with `transport`. */
  composeSend?: ComposeSend;
  /** Accepted messages noted before they are recorded; read back when a crashed worker's leases expire. */
  journal?: SentJournal;
  /** What becomes of a message in doubt after its worker stopped (default: domain/in-doubt.ts). */
  inDoubt?: InDoubtPolicies;
  /** Sends messages that name a sender pool (issue 4); without it, they go through `transport` like any other. */
  router?: Pick<SenderRouter, 'deliver'>;
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
  private readonly composeSend: ComposeSend;

  constructor(private readonly deps: DeliveryDeps, private readonly opts: DeliveryOptions) {
    this.composeSend = deps.composeSend ?? new InProcessComposeSend(deps.catalog, deps.engine, deps.transport, deps.dkim, deps.journal);
  }

  /** Start the loops and the lease reaper. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const reap = (): void => {
      const now = this.deps.clock.now();
      this.recoverSent(now).then(() => this.deps.store.releaseExpiredLeases(now)).then((n) => {
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

  /**
   * Before expired leases are requeued: the ones the sent journal says a receiver accepted (their worker died
   * between the receiver's answer and the record) are recorded as sent, so they are not sent a second time; so are
   * the ones in doubt — end of data written at this very attempt, answer never read — whose policy is assume-sent.
   */
  private async recoverSent(now: number): Promise<void> {
    const { journal, store, log } = this.deps;
    if (!journal) return;
    // Every expired lease is looked up: the release that follows requeues all of them, so none may be left unchecked.
    const expired = await store.expiredLeases(now, Number.MAX_SAFE_INTEGER);
    if (expired.length === 0) return;
    const found = await journal.find(expired.map((e) => e.id));
    const policies = this.deps.inDoubt ?? DEFAULT_IN_DOUBT;
    const byOwner = new Map<string, DeliveryResult[]>();
    for (const e of expired) {
      const j = found.get(e.id);
      let r: DeliveryResult | undefined;
      if (j?.sent) {
        r = {
          id: e.id, status: 'sent', at: now, transport: j.sent.transport, providerMessageId: j.sent.providerMessageId, contactId: e.contactId,
          detail: { response: j.sent.response, recovered: 'accepted by the receiver before its worker stopped; found in the sent journal' },
        };
      } else {
        // Only a note of the attempt that holds the lease counts: an earlier attempt's answer was read and recorded.
        const doubt = j?.inDoubt?.find((d) => d.attempt === e.attempts);
        if (doubt && inDoubtPolicyFor(policies, e) === 'assume-sent') {
          r = {
            id: e.id, status: 'sent', at: now, transport: doubt.transport, contactId: e.contactId,
            detail: {
              attempt: e.attempts, in_doubt: true,
              recovered: 'its end of data was written, then its worker stopped before reading the answer; not sent again (in-doubt policy assume-sent)',
            },
          };
        }
      }
      if (!r) continue;
      const list = byOwner.get(e.owner) ?? [];
      list.push(r);
      byOwner.set(e.owner, list);
    }
    for (const [owner, results] of byOwner) {
      // Recorded as the worker that held the lease: only rows still leased to it change.
      const ids = await store.recordResults(owner, results);
      const inDoubt = results.filter((r) => r.detail?.in_doubt === true).length;
      if (ids.length) log.warn({ count: ids.length, in_doubt: inDoubt, worker: owner }, 'recorded as sent from the sent journal: their worker stopped before recording them');
      if (ids.length) this.deps.metrics.sendResult(this.composeSend.transportName, 'sent', ids.length);
    }
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
    // deliver() answers in claim order: results[i] belongs to claimed[i]. The counter is moved once per result
    // status of the batch: prom-client hashes the labels of every increment, and one per message showed in profiles.
    const byStatus = new Map<string, number>();
    results.forEach((r, i) => {
      if (!recorded.has(r.id)) {
        this.deps.log.warn({ msg_id: r.id }, 'result not recorded: the lease had passed to another worker');
        return;
      }
      byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
      if (r.status !== 'deferred') this.deps.metrics.processingDuration((r.at - claimed[i]!.createdAt) / 1000);
    });
    for (const [status, n] of byStatus) this.deps.metrics.sendResult(this.composeSend.transportName, status, n);
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
    const { clock, store, gate } = this.deps;
    const results = new Map<string, DeliveryResult>();
    const started = clock.now();
    // Suppressed addresses (bounced, complained, unsubscribed, listed by hand) are never sent to.
    const suppressed = await store.findSuppressions(batch.map((m) => m.toAddress));
    const open: MessageRecord[] = [];
    for (const m of batch) {
      const s = suppressed.get(m.toAddress.toLowerCase());
      if (s) {
        results.set(m.id, { id: m.id, status: 'suppressed', at: started, refund: true, error: `recipient suppressed: ${s.reason}`, detail: { reason: s.reason, since: new Date(s.createdAt).toISOString() } });
        continue;
      }
      open.push(m);
    }
    // A throttled message is deferred to its slot, never waited for: the batch goes on with other domains. The
    // whole batch is admitted in one limiter call (one round trip when the limiter is Redis).
    const admissions = gate ? await gate.admitAll(open, started) : null;
    let ready: MessageRecord[] = [];
    open.forEach((m, i) => {
      const a = admissions?.[i];
      if (a && a.sendAt > started) {
        // Without the limiter no slot is held: the message is charged when it comes back.
        results.set(m.id, { id: m.id, status: 'deferred', at: started, dueAt: a.sendAt, throttleSlot: a.unavailable ? undefined : a.sendAt, refund: true, detail: { reason: a.unavailable ? 'limiter unavailable' : 'throttled', limited_by: a.limitedBy } });
        return;
      }
      ready.push(m);
    });
    // Sender pools (issue 4): routing, sending and classifying pooled messages live in engine/sender-router.ts.
    if (this.deps.router && ready.some((m) => m.senderPool !== null)) {
      for (const r of await this.deps.router.deliver(ready.filter((m) => m.senderPool !== null), started)) results.set(r.id, r);
      ready = ready.filter((m) => m.senderPool === null);
    }
    const sent = await this.send(ready, started);
    const at = clock.now();
    for (let i = 0; i < ready.length; i++) {
      const m = ready[i]!;
      const s = sent[i]!;
      if (!s.composed) {
        results.set(m.id, { id: m.id, status: 'failed', at, error: s.error });
        this.deps.log.warn({ msg_id: m.id, error: s.error }, 'failed');
        continue;
      }
      const out = s.outcome;
      let throttleSlot: number | undefined;
      if (!out.ok && out.throttle && gate) {
        await gate.throttled(m.toDomain, at);
        const a = await gate.admit({ ...m, throttleSlot: null }, at);
        // Without the limiter, the throttling reply is retried like any transient failure.
        throttleSlot = a.unavailable ? undefined : Math.max(at + 1000, a.sendAt);
      }
      const r = classifyOutcome(m, out, {
        at, transport: this.composeSend.transportName, messageIdHeader: s.messageId, retry: this.opts.retry,
        random: (this.deps.random ?? Math.random)(), throttleSlot, queueLifetimeMs: this.opts.queueLifetimeMs ?? 72 * 3600_000,
      });
      this.logResult(r, out, at - started);
      results.set(m.id, r);
    }
    // The contact rides along so the record writes its sent/bounced/failed activity (campaign messages only).
    return batch.map((m) => {
      const r = results.get(m.id)!;
      return m.contactId ? { ...r, contactId: m.contactId } : r;
    });
  }

  private async send(ready: MessageRecord[], now: number): Promise<ComposeSendResult[]> {
    if (ready.length === 0) return [];
    this.deps.metrics.inFlight(ready.length);
    try {
      const policies = this.deps.inDoubt ?? DEFAULT_IN_DOUBT;
      return await this.composeSend.run(ready, now, this.deps.journal ? ready.map((m) => inDoubtAttempt(policies, m)) : undefined);
    } finally {
      this.deps.metrics.inFlight(-ready.length);
    }
  }

  private logResult(r: DeliveryResult, out: SendOutcome, sendMs: number): void {
    // No child logger per message: at volume its allocation shows in profiles; msg_id goes on the line itself.
    if (out.ok) this.deps.log.info({ msg_id: r.id, transport: r.transport, provider_message_id: out.providerMessageId, send_ms: sendMs }, 'sent');
    else this.deps.log.warn({ msg_id: r.id, status: r.status, code: out.code, response: out.response, retry_at: r.dueAt }, r.status);
  }

}
