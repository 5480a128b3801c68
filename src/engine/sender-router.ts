import type { RetryPolicy } from '../domain/retry-policy.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { DeliveryMetrics } from '../ports/metrics.js';
import type { SenderRecord, SenderReport, SenderStore } from '../ports/sender-store.js';
import type { SenderTransports } from '../ports/sender-transports.js';
import type { DeliveryResult, MessageRecord } from '../ports/store.js';
import type { OutgoingMessage, SendOutcome, SenderSignal, Transport } from '../ports/transport.js';
import { composeMessage } from '../compose/compose-message.js';
import type { DkimKey } from '../compose/dkim.js';
import type { TemplateEngine } from '../compose/template-engine.js';
import type { TemplateCatalog } from '../services/template-catalog.js';
import { classifyOutcome } from './classify-outcome.js';
import type { ThrottleGate } from './throttle-gate.js';
import type { SentJournal } from '../ports/sent-journal.js';
import { flushSentNotes, journalHooks } from './compose-send.js';
import { DEFAULT_IN_DOUBT, inDoubtAttempt, type InDoubtPolicies } from '../domain/in-doubt.js';

/** What the router is built from. */
export interface SenderRouterDeps {
  senders: SenderStore;
  transports: SenderTransports;
  catalog: TemplateCatalog;
  engine: TemplateEngine;
  clock: Clock;
  log: Logger;
  retry: RetryPolicy;
  queueLifetimeMs: number;
  metrics?: DeliveryMetrics;
  gate?: ThrottleGate;
  dkim?: DkimKey;
  /** Accepted messages noted before they are recorded (docs/adr/0012-sent-journal.md). */
  journal?: SentJournal;
  /** Which messages are noted as in doubt when their end of data goes out (default: domain/in-doubt.ts). */
  inDoubt?: InDoubtPolicies;
  random?: () => number;
  /** Rate slots up to this far ahead are reserved for messages that cannot go now (default 60 s). */
  horizonMs?: number;
  /** When no sender of a pool will free up by itself (all paused or in error), look again after this (default 60 s). */
  idleRetryMs?: number;
}

// Signals in order of weight: one per sender is reported, the heaviest.
const SIGNAL_WEIGHT: Record<SenderSignal['kind'], number> = { rate: 1, exhausted: 2, account_rate: 3 };

/** The provider refused the sender's credentials (SMTP AUTH, Google token or 401): the sender, not the message, is broken. */
export function isAuthFailure(out: SendOutcome): boolean {
  return !out.ok && (out.code === 401 || out.code === 530 || out.code === 535 || /^gmail auth failed/.test(out.response));
}

/**
 * Routing for messages that name a sender pool (SPEC §4): the store places each message on a sender (rotation,
 * states, windows, daily limits and rates, counted under row locks), then each sender's batch is composed as
 * that sender (its From) and sent through its own transport. A message that must wait is deferred to its slot or
 * to the earliest time a sender frees, never over a limit and never dropped; a message refused because of its
 * sender (quota, rate, login) goes back to the pool at once without using up an attempt, and the sender's state
 * follows the provider's signal. Results come back in batch order, for the worker to record.
 */
export class SenderRouter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly deps: SenderRouterDeps) {}

  /** Route, send and classify a batch of pooled messages; one result per message, in order. */
  async deliver(batch: MessageRecord[], now: number): Promise<DeliveryResult[]> {
    const results = new Map<string, DeliveryResult>();
    const byPool = new Map<string, MessageRecord[]>();
    for (const m of batch) byPool.set(m.senderPool!, [...(byPool.get(m.senderPool!) ?? []), m]);
    await Promise.all([...byPool].map(([pool, msgs]) => this.deliverPool(pool, msgs, now, results)));
    return batch.map((m) => results.get(m.id)!);
  }

  private async deliverPool(pool: string, msgs: MessageRecord[], now: number, results: Map<string, DeliveryResult>): Promise<void> {
    const { senders, clock } = this.deps;
    const random = this.deps.random ?? Math.random;
    const held = msgs.filter((m) => m.senderId !== null && m.senderSlot !== null).map((m) => ({ messageId: m.id, senderId: m.senderId!, slot: m.senderSlot! }));
    const heldIds = new Set(held.map((h) => h.messageId));
    const res = await senders.reserve({
      poolId: pool, now, held, fresh: msgs.filter((m) => !heldIds.has(m.id)).map((m) => m.id),
      inFlight: this.inFlight, horizonMs: this.deps.horizonMs ?? 60_000, random,
    });
    if (!res.found) {
      for (const m of msgs) results.set(m.id, { id: m.id, status: 'failed', at: now, error: `sender pool "${pool}" no longer exists`, detail: { pool } });
      return;
    }
    const sendNow = new Map<string, MessageRecord[]>();
    for (const m of msgs) {
      const a = res.assignments.get(m.id)!;
      if (a.senderId === null) {
        const dueAt = a.retryAt ?? now + (this.deps.idleRetryMs ?? 60_000);
        const reason = a.retryAt === null ? 'no usable sender in the pool (paused or in error)' : 'every sender of the pool is exhausted or cooling down';
        results.set(m.id, { id: m.id, status: 'deferred', at: now, dueAt, throttleSlot: dueAt, refund: true, detail: { reason, pool } });
      } else if (a.sendAt > now) {
        results.set(m.id, { id: m.id, status: 'deferred', at: now, dueAt: a.sendAt, throttleSlot: a.sendAt, refund: true, detail: { reason: 'waiting for the sender\'s rate slot', pool, sender: a.senderId } });
      } else {
        sendNow.set(a.senderId, [...(sendNow.get(a.senderId) ?? []), m]);
      }
    }
    const reports: SenderReport[] = [];
    await Promise.all([...sendNow].map(async ([id, list]) => {
      reports.push(await this.sendThrough(res.senders.get(id)!, pool, list, now, results));
    }));
    await senders.recordOutcomes(reports, clock.now(), random);
  }

  private async sendThrough(sender: SenderRecord, pool: string, msgs: MessageRecord[], now: number, results: Map<string, DeliveryResult>): Promise<SenderReport> {
    const { clock, catalog, engine, log } = this.deps;
    // Answers already read are noted before composing keeps the thread busy (ADR 0012).
    if (this.deps.journal) flushSentNotes(this.deps.journal);
    const report: SenderReport = { senderId: sender.id, sent: 0, failed: 0 };
    // The transport first: whether it carries 8bit bodies decides how the messages are composed. One that cannot be
    // had is the sender's failure, reported below for the messages that compose.
    let transport: Transport | undefined;
    let unavailable: Error | undefined;
    try {
      transport = await this.deps.transports.forSender(sender);
    } catch (err) {
      unavailable = err as Error;
    }
    const outgoing: OutgoingMessage[] = [];
    const composed: MessageRecord[] = [];
    for (const m of msgs) {
      // Sent as the sender: its address in From and in the envelope, its display name when it has one.
      const as = { ...m, fromAddress: sender.email, fromName: sender.fromName ?? m.fromName };
      try {
        outgoing.push(composeMessage(as, await catalog.compiledFor(m), engine, now, this.deps.dkim, transport?.eightBit === true));
        composed.push(m);
      } catch (err) {
        results.set(m.id, { id: m.id, status: 'failed', at: clock.now(), error: `compose failed: ${(err as Error).message}`, detail: { pool, sender: sender.id } });
      }
    }
    if (outgoing.length === 0) return report;

    let transportName: string = sender.kind;
    let outcomes: SendOutcome[];
    this.inFlight.set(sender.id, (this.inFlight.get(sender.id) ?? 0) + outgoing.length);
    this.deps.metrics?.inFlight(outgoing.length);
    try {
      if (!transport) throw unavailable!;
      transportName = transport.name;
      const inDoubt = composed.map((m) => inDoubtAttempt(this.deps.inDoubt ?? DEFAULT_IN_DOUBT, m));
      outcomes = await transport.sendBatch(outgoing, this.deps.journal ? journalHooks(this.deps.journal, outgoing, inDoubt, transport.name) : undefined);
    } catch (err) {
      // No transport (e.g. credentials that no longer open) or a transport that threw: the sender is at fault.
      outcomes = outgoing.map(() => ({ ok: false, permanent: false, code: 401, response: `sender ${sender.id} cannot send: ${(err as Error).message}` }));
    } finally {
      this.inFlight.set(sender.id, (this.inFlight.get(sender.id) ?? 0) - outgoing.length);
      if (this.inFlight.get(sender.id)! <= 0) this.inFlight.delete(sender.id);
      this.deps.metrics?.inFlight(-outgoing.length);
    }

    const at = clock.now();
    for (let i = 0; i < composed.length; i++) {
      const m = composed[i]!;
      const out = outcomes[i]!;
      if (out.ok) report.sent++;
      else {
        report.failed++;
        report.lastError = out.response;
      }
      if (!out.ok && (out.sender || isAuthFailure(out))) {
        if (out.sender && (!report.signal || SIGNAL_WEIGHT[out.sender.kind] > SIGNAL_WEIGHT[report.signal.kind])) report.signal = out.sender;
        if (!out.sender) report.authFailed = true;
        // Not the message's fault: back to the pool now, without using up an attempt; another sender takes it.
        const r: DeliveryResult = {
          id: m.id, status: 'deferred', at, dueAt: at, throttleSlot: at, refund: true, transport: transportName, messageIdHeader: outgoing[i]!.messageId,
          code: out.code, error: out.response, detail: { reason: out.sender ? `sender signal: ${out.sender.kind}` : 'sender credentials refused', pool, sender: sender.id },
        };
        results.set(m.id, r);
        log.warn({ msg_id: m.id, sender: sender.id, pool, code: out.code, response: out.response }, 'sender refused; message returns to its pool');
        continue;
      }
      let throttleSlot: number | undefined;
      if (!out.ok && out.throttle && this.deps.gate) {
        await this.deps.gate.throttled(m.toDomain, at);
        const a = await this.deps.gate.admit({ ...m, throttleSlot: null }, at);
        // Without the limiter, the throttling reply is retried like any transient failure.
        throttleSlot = a.unavailable ? undefined : Math.max(at + 1000, a.sendAt);
      }
      const r = classifyOutcome(m, out, {
        at, transport: transportName, messageIdHeader: outgoing[i]!.messageId, retry: this.deps.retry,
        random: (this.deps.random ?? Math.random)(), throttleSlot, queueLifetimeMs: this.deps.queueLifetimeMs,
      });
      r.detail = { ...(r.detail ?? {}), pool, sender: sender.id };
      results.set(m.id, r);
      if (out.ok) log.info({ msg_id: m.id, transport: transportName, sender: sender.id, pool, provider_message_id: out.providerMessageId, send_ms: at - now }, 'sent');
      else log.warn({ msg_id: m.id, sender: sender.id, pool, status: r.status, code: out.code, response: out.response, retry_at: r.dueAt }, r.status);
    }
    return report;
  }
}
