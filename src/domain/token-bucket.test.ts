import { describe, it, expect } from 'vitest';
import { takeTokens } from './token-bucket.js';

describe('takeTokens', () => {
  const spec = { capacity: 2, ratePerSec: 1 };
  it('starts full, refuses when empty with the wait until the next token, refills over time', () => {
    let r = takeTokens(spec, undefined, 0);
    expect(r.ok).toBe(true);
    r = takeTokens(spec, r.state, 0);
    expect(r.ok).toBe(true);
    r = takeTokens(spec, r.state, 250);
    expect(r).toMatchObject({ ok: false, waitMs: 750 });
    r = takeTokens(spec, r.state, 1000);
    expect(r.ok).toBe(true);
    r = takeTokens(spec, r.state, 100_000);
    expect(r.state.tokens).toBe(1); // capped at capacity, one taken
  });
  it('never grants with a zero rate once empty', () => {
    const r = takeTokens({ capacity: 1, ratePerSec: 0 }, { tokens: 0, at: 0 }, 10_000);
    expect(r).toMatchObject({ ok: false, waitMs: Number.POSITIVE_INFINITY });
  });
});
