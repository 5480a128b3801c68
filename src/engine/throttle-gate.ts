import { DEFAULT_BACKOFF, backoffFactor, onThrottleReply, type BackoffSpec, type BackoffState } from '../domain/domain-backoff.js';
import type { RateSpec } from '../domain/gcra.js';
import { domainRate, type DomainLimits } from '../domain/throttle-policy.js';
import type { LimitKey, Limiter } from '../ports/limiter.js';
import type { MessageRecord } from '../ports/store.js';

/** The limits enforced together on every send. */
export interface ThrottleOptions {
  /** Per recipient domain, per minute (`*` for any other; empty = unlimited). */
  domains: DomainLimits;
  /** All sends of all processes sharing the limiter; null = unlimited. */
  global: RateSpec | null;
  /** Sends through this process's transport (the relay); null = unlimited. */
  relay: RateSpec | null;
  backoff?: BackoffSpec;
}

/** What the gate decided for one message. */
export interface Admission {
  /** Send now (sendAt ≤ now) or defer to sendAt, which the message then holds as its slot. */
  sendAt: number;
  /** The key that set the time, for the event history. */
  limitedBy: string | null;
}

/**
 * Applies the throttles of SPEC §3 to each message: per recipient domain (slowed as a whole after throttling
 * replies, recovering later), per relay and global. A message already holding a slot from an earlier deferral is
 * not charged again. No waiting happens here: a message that must wait is deferred to its slot by the worker.
 */
export class ThrottleGate {
  private readonly backoff = new Map<string, BackoffState>();
  private readonly spec: BackoffSpec;

  constructor(private readonly limiter: Limiter, private readonly opts: ThrottleOptions, private readonly relayName: string) {
    this.spec = opts.backoff ?? DEFAULT_BACKOFF;
  }

  async admit(m: MessageRecord, now: number): Promise<Admission> {
    if (m.throttleSlot !== null && m.throttleSlot <= now) return { sendAt: now, limitedBy: null };
    const keys: LimitKey[] = [];
    const base = domainRate(this.opts.domains, m.toDomain);
    if (base) {
      const factor = backoffFactor(this.spec, this.backoff.get(m.toDomain), now);
      keys.push({ key: `domain:${m.toDomain}`, rate: { perSecond: base.perSecond * factor, burst: Math.max(1, Math.floor(base.burst * factor)) } });
    }
    if (this.opts.relay) keys.push({ key: `relay:${this.relayName}`, rate: this.opts.relay });
    if (this.opts.global) keys.push({ key: 'global', rate: this.opts.global });
    if (keys.length === 0) return { sendAt: now, limitedBy: null };
    const sendAt = await this.limiter.reserve(keys, now);
    return { sendAt, limitedBy: sendAt > now ? keys.map((k) => k.key).join(', ') : null };
  }

  /** A receiver answered with a throttling reply: slow its whole domain. */
  throttled(domain: string, now: number): void {
    this.backoff.set(domain, onThrottleReply(this.spec, this.backoff.get(domain), now));
    if (this.backoff.size > 10_000) this.backoff.delete(this.backoff.keys().next().value as string);
  }

  /** The current multiplier of a domain's rate (1 = not slowed). */
  factor(domain: string, now: number): number {
    return backoffFactor(this.spec, this.backoff.get(domain), now);
  }
}
