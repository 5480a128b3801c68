import { DEFAULT_BACKOFF, type BackoffSpec } from '../domain/domain-backoff.js';
import type { RateSpec } from '../domain/gcra.js';
import { domainRate, type DomainLimits } from '../domain/throttle-policy.js';
import type { LimitKey, Limiter } from '../ports/limiter.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { MessageRecord } from '../ports/store.js';

/** The limits enforced together on every send. */
export interface ThrottleOptions {
  /** Per recipient domain, per minute (`*` for any other; empty = unlimited). */
  domains: DomainLimits;
  /** All sends of all processes sharing the limiter; null = unlimited. */
  global: RateSpec | null;
  /** Sends through the relay named by the gate (of every process sharing the limiter); null = unlimited. */
  relay: RateSpec | null;
  backoff?: BackoffSpec;
}

/** What the gate decided for one message. */
export interface Admission {
  /** Send now (sendAt ≤ now) or defer to sendAt, which the message then holds as its slot. */
  sendAt: number;
  /** The key that set the time, for the event history. */
  limitedBy: string | null;
  /** The limiter could not be reached: no slot is held, the message waits and is charged when it comes back. */
  unavailable?: true;
}

/** How long a message that needs a throttle waits when the limiter cannot be reached. */
export const LIMITER_RETRY_MS = 5000;

/**
 * Applies the throttles of SPEC §3 to each message: per recipient domain (slowed as a whole after throttling
 * replies, recovering later: the slow-down is limiter state, shared like the slots), per relay and global.
 * A message already holding a slot from an earlier deferral is not charged again. No waiting happens here: a
 * message that must wait is deferred to its slot by the worker. When the limiter cannot be reached, messages that
 * need a throttle are deferred by LIMITER_RETRY_MS (logged), never sent unthrottled.
 */
export class ThrottleGate {
  private readonly spec: BackoffSpec;
  private loggedAt = -Infinity;

  constructor(private readonly limiter: Limiter, private readonly opts: ThrottleOptions, private readonly relayName: string, private readonly log: Logger = silentLogger) {
    this.spec = opts.backoff ?? DEFAULT_BACKOFF;
  }

  /** The admission of one message. */
  async admit(m: MessageRecord, now: number): Promise<Admission> {
    return (await this.admitAll([m], now))[0]!;
  }

  /** The admissions of several messages, in order, reserved in one limiter call. */
  async admitAll(ms: MessageRecord[], now: number): Promise<Admission[]> {
    const out: Admission[] = new Array(ms.length);
    const asks: LimitKey[][] = [];
    const at: number[] = [];
    ms.forEach((m, i) => {
      const keys = m.throttleSlot !== null && m.throttleSlot <= now ? [] : this.keys(m);
      if (keys.length === 0) out[i] = { sendAt: now, limitedBy: null };
      else {
        asks.push(keys);
        at.push(i);
      }
    });
    if (asks.length === 0) return out;
    let times: number[];
    try {
      times = await this.limiter.reserveEach(asks, now);
    } catch (err) {
      this.unreachable(err, asks.length, now);
      for (const i of at) out[i] = { sendAt: now + LIMITER_RETRY_MS, limitedBy: 'limiter unavailable', unavailable: true };
      return out;
    }
    at.forEach((i, j) => {
      const sendAt = times[j]!;
      out[i] = { sendAt, limitedBy: sendAt > now ? asks[j]!.map((k) => k.key).join(', ') : null };
    });
    return out;
  }

  /** A receiver answered with a throttling reply: slow its whole domain (for every process sharing the limiter). */
  async throttled(domain: string, now: number): Promise<void> {
    try {
      await this.limiter.slowDown(`domain:${domain}`, this.spec, now);
    } catch (err) {
      this.unreachable(err, 0, now);
    }
  }

  /** The current multiplier of a domain's rate (1 = not slowed). */
  async factor(domain: string, now: number): Promise<number> {
    return this.limiter.factor(`domain:${domain}`, this.spec, now);
  }

  private keys(m: MessageRecord): LimitKey[] {
    const keys: LimitKey[] = [];
    const base = domainRate(this.opts.domains, m.toDomain);
    if (base) keys.push({ key: `domain:${m.toDomain}`, rate: base, slowdown: this.spec });
    if (this.opts.relay) keys.push({ key: `relay:${this.relayName}`, rate: this.opts.relay });
    if (this.opts.global) keys.push({ key: 'global', rate: this.opts.global });
    return keys;
  }

  private unreachable(err: unknown, deferred: number, now: number): void {
    // Once every 10 s at most: a Redis outage would otherwise log once per batch of every loop.
    if (now - this.loggedAt < 10_000) return;
    this.loggedAt = now;
    this.log.error({ err: (err as Error).message, deferred, retry_in_ms: LIMITER_RETRY_MS },
      'shared rate limiter unreachable: messages that need a throttle are deferred, none is sent unthrottled');
  }
}
