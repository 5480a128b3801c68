import { describe, it, expect } from 'vitest';
import { DAY_MS, minuteOf, nextFreeAt, remaining, usedInWindow } from './rolling-quota.js';

const T = 1_800_000_000_000;

describe('rolling 24-hour quota', () => {
  it('counts sends of the last 24 hours only', () => {
    const b = [{ minute: minuteOf(T - DAY_MS - 120_000), count: 7 }, { minute: minuteOf(T - 3600_000), count: 3 }, { minute: minuteOf(T), count: 2 }];
    expect(usedInWindow(b, T)).toBe(5);
    expect(remaining(b, 5, T)).toBe(0);
    expect(remaining(b, 2000, T)).toBe(1995);
  });

  it('frees capacity when the oldest sends leave the window, never earlier', () => {
    const t1 = T - 20 * 3600_000;
    const b = [{ minute: minuteOf(t1), count: 3 }, { minute: minuteOf(T - 3600_000), count: 2 }];
    // Limit 5, 5 used: the next send fits once the 3 sends of t1's minute are more than 24 h old.
    const free = nextFreeAt(b, 5, T)!;
    expect(free).toBe((minuteOf(t1) + 1) * 60_000 + DAY_MS);
    expect(usedInWindow(b, free)).toBe(2);
    expect(usedInWindow(b, free - 1)).toBe(5);
    expect(nextFreeAt(b, 6, T)).toBe(T);
    expect(nextFreeAt(b, 0, T)).toBeNull();
  });

  it('a user at 2,000 sends stays at zero remaining for 24 hours after its last burst', () => {
    const b = [{ minute: minuteOf(T), count: 2000 }];
    for (const h of [0, 1, 12, 23]) expect(remaining(b, 2000, T + h * 3600_000)).toBe(0);
    expect(remaining(b, 2000, T + DAY_MS + 60_000)).toBe(2000);
  });
});
