/** State of one token bucket: tokens available at time `at` (ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/** A bucket's shape: `capacity` tokens at most, refilled at `ratePerSec`. */
export interface BucketSpec {
  capacity: number;
  ratePerSec: number;
}

/**
 * Try to take `n` tokens at time `now`. Pure: returns the next state and, when refused,
 * how many ms until `n` tokens will be there (so the caller can defer instead of waiting).
 */
export function takeTokens(spec: BucketSpec, state: BucketState | undefined, now: number, n = 1): { ok: boolean; state: BucketState; waitMs: number } {
  const prev = state ?? { tokens: spec.capacity, at: now };
  const elapsed = Math.max(0, now - prev.at);
  const tokens = Math.min(spec.capacity, prev.tokens + (elapsed * spec.ratePerSec) / 1000);
  if (tokens >= n) return { ok: true, state: { tokens: tokens - n, at: now }, waitMs: 0 };
  const waitMs = spec.ratePerSec > 0 ? Math.ceil(((n - tokens) * 1000) / spec.ratePerSec) : Number.POSITIVE_INFINITY;
  return { ok: false, state: { tokens, at: now }, waitMs };
}
