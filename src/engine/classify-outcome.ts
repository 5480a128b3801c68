import { classifyPermanent } from '../domain/bounce-policy.js';
import { nextRetryDelay, type RetryPolicy } from '../domain/retry-policy.js';
import type { DeliveryResult, MessageRecord } from '../ports/store.js';
import type { SendOutcome } from '../ports/transport.js';

/** What classifying an outcome needs besides the message and the outcome. */
export interface ClassifyContext {
  at: number;
  transport: string;
  messageIdHeader: string;
  retry: RetryPolicy;
  random: number;
  /** For a throttling reply: the slot the domain's slowed rate gives this message. */
  throttleSlot?: number;
  /** Messages accepted longer ago than this fail instead of being deferred again. */
  queueLifetimeMs: number;
}

/**
 * Turn a transport outcome into the result to record (SPEC §3): sent; a throttling reply deferred to the domain's
 * next slot without using up an attempt; other transient failures deferred with backoff until the retries are
 * spent; permanent rejections bounced (the address suppressed when it is the address that is bad) or failed.
 */
export function classifyOutcome(m: MessageRecord, out: SendOutcome, ctx: ClassifyContext): DeliveryResult {
  const base = { id: m.id, at: ctx.at, transport: ctx.transport, messageIdHeader: ctx.messageIdHeader, processingMs: ctx.at - m.createdAt };
  if (out.ok) return { ...base, status: 'sent', providerMessageId: out.providerMessageId, detail: { response: out.response, attempt: m.attempts } };
  const detail: Record<string, unknown> = { attempt: m.attempts };
  if (out.enhancedCode) detail.enhanced_code = out.enhancedCode;
  if (out.permanent) {
    const verdict = classifyPermanent(out.code, out.enhancedCode);
    return {
      ...base, status: verdict.bounced ? 'bounced' : 'failed', code: out.code, error: out.response, detail,
      suppress: verdict.suppress ? { reason: 'hard_bounce', detail: out.response } : undefined,
    };
  }
  if (ctx.at - m.createdAt > ctx.queueLifetimeMs) {
    return { ...base, status: 'failed', code: out.code, error: `expired in queue after ${Math.round((ctx.at - m.createdAt) / 3600_000)} h; last: ${out.response}`, detail };
  }
  if (out.throttle && ctx.throttleSlot !== undefined) {
    return { ...base, status: 'deferred', dueAt: ctx.throttleSlot, throttleSlot: ctx.throttleSlot, refund: true, code: out.code, error: out.response, detail: { ...detail, reason: 'receiver throttling: domain slowed' } };
  }
  const delay = m.attempts < m.maxAttempts ? nextRetryDelay(ctx.retry, m.attempts, ctx.random) : null;
  if (delay === null) {
    return { ...base, status: 'failed', code: out.code, error: `retries exhausted after ${m.attempts} attempts; last: ${out.response}`, detail };
  }
  return { ...base, status: 'deferred', dueAt: ctx.at + delay, code: out.code, error: out.response, detail };
}
