import type { RateSpec } from '../domain/gcra.js';

/** One rate-limited key (e.g. `domain:gmail.com`) and the rate in force for it now. */
export interface LimitKey {
  key: string;
  rate: RateSpec;
}

/**
 * Shared rate-limit state. An in-memory adapter serves one process; a Redis adapter (later) serves several.
 * `reserve` takes the next slot of every key and returns when all of them allow sending (now, or later):
 * the caller sends at that time or defers the message to it, holding the slots.
 */
export interface Limiter {
  reserve(keys: LimitKey[], now: number): Promise<number>;
}
