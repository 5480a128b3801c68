import { describe, it, expect } from 'vitest';
import { DEFAULT_BACKOFF, backoffFactor, onThrottleReply } from './domain-backoff.js';

describe('domain backoff', () => {
  it('halves on each throttle reply down to the floor, and recovers step by step', () => {
    let s = onThrottleReply(DEFAULT_BACKOFF, undefined, 0);
    expect(backoffFactor(DEFAULT_BACKOFF, s, 0)).toBe(0.5);
    s = onThrottleReply(DEFAULT_BACKOFF, s, 1000);
    expect(backoffFactor(DEFAULT_BACKOFF, s, 1000)).toBe(0.25);
    for (let i = 0; i < 10; i++) s = onThrottleReply(DEFAULT_BACKOFF, s, 2000);
    expect(backoffFactor(DEFAULT_BACKOFF, s, 2000)).toBe(1 / 16);
    expect(backoffFactor(DEFAULT_BACKOFF, s, 2000 + 5 * 60_000)).toBe(1 / 8);
    expect(backoffFactor(DEFAULT_BACKOFF, s, 2000 + 60 * 60_000)).toBe(1);
    expect(backoffFactor(DEFAULT_BACKOFF, undefined, 0)).toBe(1);
  });
});
