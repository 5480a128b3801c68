import { describe, it, expect } from 'vitest';
import { warmupLimit } from './warmup.js';

describe('warmupLimit', () => {
  it('grows day by day up to the sender’s limit', () => {
    const spec = { initial: 50, growth: 2, max: 2000, startedAt: 0 };
    expect([0, 1, 2, 5, 6, 30].map((d) => warmupLimit(spec, d * 24 * 3600_000 + 1))).toEqual([50, 100, 200, 1600, 2000, 2000]);
    expect(warmupLimit(spec, -5)).toBe(50);
  });
});
