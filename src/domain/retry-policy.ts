/** How transient failures are retried: `maxRetries` retries after the first attempt, `base^n` minutes apart, with jitter. */
export interface RetryPolicy {
  maxRetries: number;
  /** Delay before retry n (1-based) is baseDelayMs × factor^(n−1). Seed 000: 2^n minutes → base 2 min, factor 2. */
  baseDelayMs: number;
  factor: number;
  /** Fraction of the delay added or removed at random (0.2 → ±20 %). */
  jitter: number;
  maxDelayMs: number;
}

/** Seed 000 defaults: 3 retries, 2^n minutes apart. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 120_000, factor: 2, jitter: 0.2, maxDelayMs: 6 * 3600_000 };

/**
 * Decide what follows a transient failure on attempt `attempts` (1 = the first try):
 * the delay before the next try, or null when the retries are spent. `random` is in [0,1).
 */
export function nextRetryDelay(policy: RetryPolicy, attempts: number, random: number): number | null {
  if (attempts > policy.maxRetries) return null;
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** (attempts - 1));
  const spread = raw * policy.jitter * (2 * random - 1);
  return Math.max(0, Math.round(raw + spread));
}
