import { describe, it, expect } from 'vitest';
import { DEFAULT_RETRY_POLICY, nextRetryDelay } from './retry-policy.js';

describe('nextRetryDelay', () => {
  it('follows seed 000: 3 retries, 2^n minutes apart, then stops', () => {
    expect([1, 2, 3].map((n) => nextRetryDelay(DEFAULT_RETRY_POLICY, n, 0.5))).toEqual([120_000, 240_000, 480_000]);
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 4, 0.5)).toBeNull();
  });

  it('spreads retries by the jitter fraction and caps the delay', () => {
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 1, 0)).toBe(96_000);
    expect(nextRetryDelay(DEFAULT_RETRY_POLICY, 1, 0.999999)).toBe(144_000);
    expect(nextRetryDelay({ ...DEFAULT_RETRY_POLICY, maxRetries: 50, jitter: 0 }, 30, 0.5)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });
});
