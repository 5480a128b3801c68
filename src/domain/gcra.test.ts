import { describe, it, expect } from 'vitest';
import { reserveSlot } from './gcra.js';

describe('reserveSlot (GCRA)', () => {
  it('lets a burst through, then spaces sends at the rate', () => {
    const spec = { perSecond: 2, burst: 3 };
    let tat: number | undefined;
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = reserveSlot(spec, tat, 0);
      tat = r.tat;
      times.push(r.sendAt);
    }
    expect(times).toEqual([0, 0, 0, 500, 1000, 1500]);
  });

  it('forgets debt once time has passed', () => {
    const spec = { perSecond: 1, burst: 1 };
    const a = reserveSlot(spec, undefined, 0);
    const b = reserveSlot(spec, a.tat, 10_000);
    expect(b.sendAt).toBe(10_000);
  });

  it('holds 100 per minute over any window (seed default for gmail.com)', () => {
    const spec = { perSecond: 100 / 60, burst: 1 };
    let tat: number | undefined;
    const sends: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = reserveSlot(spec, tat, 0);
      tat = r.tat;
      sends.push(r.sendAt);
    }
    for (let start = 0; start < 120_000; start += 7_000) {
      expect(sends.filter((t) => t >= start && t < start + 60_000).length).toBeLessThanOrEqual(101);
    }
  });
});
