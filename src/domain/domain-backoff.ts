import type { RateSpec } from './gcra.js';

/** How a receiving domain that answered with throttling replies is slowed, and how it recovers. */
export interface BackoffSpec {
  /** The rate is multiplied by this on each throttle reply (0.5 halves it). */
  cut: number;
  /** Lowest multiplier. */
  floor: number;
  /** After this long without a throttle reply the multiplier doubles again, up to 1. */
  recoverAfterMs: number;
}

/** The default: halve on each throttle reply, down to 1/16, recover ×2 every 5 quiet minutes. */
export const DEFAULT_BACKOFF: BackoffSpec = { cut: 0.5, floor: 1 / 16, recoverAfterMs: 5 * 60_000 };

/** A domain's slowdown: the multiplier in force since `since`. */
export interface BackoffState {
  factor: number;
  since: number;
}

/** The multiplier at `now`, after recovery steps for the quiet time since the last throttle. */
export function backoffFactor(spec: BackoffSpec, state: BackoffState | undefined, now: number): number {
  if (!state) return 1;
  const steps = Math.floor(Math.max(0, now - state.since) / spec.recoverAfterMs);
  return Math.min(1, state.factor * 2 ** steps);
}

/** The state after a throttle reply at `now`. */
export function onThrottleReply(spec: BackoffSpec, state: BackoffState | undefined, now: number): BackoffState {
  return { factor: Math.max(spec.floor, backoffFactor(spec, state, now) * spec.cut), since: now };
}

/** A rate slowed by a multiplier: rate × factor, burst ⌊burst × factor⌋ (at least 1). */
export function slowedRate(rate: RateSpec, factor: number): RateSpec {
  if (factor >= 1) return rate;
  return { perSecond: rate.perSecond * factor, burst: Math.max(1, Math.floor(rate.burst * factor)) };
}
