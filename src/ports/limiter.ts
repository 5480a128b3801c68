import type { BackoffSpec } from '../domain/domain-backoff.js';
import type { RateSpec } from '../domain/gcra.js';

/** One rate-limited key (e.g. `domain:gmail.com`) and the rate in force for it now. */
export interface LimitKey {
  key: string;
  rate: RateSpec;
  /**
   * When set, `rate` is the key's full rate and the limiter slows it by the key's slow-down state (see
   * `Limiter.slowDown`), recovering as this spec says: rate × factor, burst ⌊burst × factor⌋ (at least 1).
   */
  slowdown?: BackoffSpec;
}

/**
 * Shared rate-limit state. The in-memory adapter serves one process; the Redis adapter serves every process that
 * names the same Redis and key prefix. Times are the caller's milliseconds (docs/adr/0019-redis-limiter.md).
 * A limiter that cannot reach its state rejects with LIMITER_UNAVAILABLE; it never answers "send now" instead.
 */
export interface Limiter {
  /**
   * Take the next slot of every key together and return when all of them allow sending (now, or later):
   * the caller sends at that time or defers the message to it, holding the slots.
   */
  reserve(keys: LimitKey[], now: number): Promise<number>;
  /** `reserve` for several messages in order, as one atomic step: result i belongs to requests[i]. */
  reserveEach(requests: LimitKey[][], now: number): Promise<number[]>;
  /** A receiver answered `key`'s traffic with a throttling reply: cut its rate as `spec` says; the new multiplier. */
  slowDown(key: string, spec: BackoffSpec, now: number): Promise<number>;
  /** The multiplier of `key`'s rate in force now (1 = not slowed). */
  factor(key: string, spec: BackoffSpec, now: number): Promise<number>;
  /** Whether the shared state answers (for /ready); throws LIMITER_UNAVAILABLE when it does not. */
  ping(): Promise<void>;
  /** Release connections; the limiter is not used afterwards. */
  close(): Promise<void>;
}
