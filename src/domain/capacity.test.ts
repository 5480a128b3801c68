import { describe, it, expect } from 'vitest';
import { estimateCapacity, measuredRate, type CapacitySender } from './capacity.js';
import { DAILY_LIMITS } from './sender.js';

const NOW = 1_800_000_000_000;

describe('estimateCapacity', () => {
  it('reproduces the seed: 10 service accounts × 50 users × 2,000 = 1,000,000 a day; 1M at 25,000/h takes 40 h', () => {
    const senders: CapacitySender[] = [];
    for (let a = 0; a < 10; a++) for (let u = 0; u < 50; u++) senders.push({ limit: DAILY_LIMITS.workspace, used: 0, usable: true, intervalMs: 400, accountId: `sa${a}` });
    const c = estimateCapacity(senders, 25_000 / 3600, 1_000_000);
    expect(c.dailyCapacity).toBe(10 * 50 * 2000);
    expect(c.remainingToday).toBe(c.dailyCapacity);
    expect(c.accounts).toBe(10);
    expect(c.formula).toBe('10 accounts × 50 users × 2,000/day = 1,000,000/day');
    expect(c.etaSeconds! / 3600).toBeCloseTo(40, 6);
  });

  it('past what remains today, the volume waits for the window at the daily capacity', () => {
    const senders: CapacitySender[] = [{ limit: 100, used: 80, usable: true, intervalMs: 0, accountId: null }, { limit: 100, used: 100, usable: true, intervalMs: 0, accountId: null }];
    const c = estimateCapacity(senders, 10, 420);
    expect(c.remainingToday).toBe(20);
    // 400 beyond today's 20, at 200 a day: two days.
    expect(c.etaSeconds).toBe(2 * 86_400);
  });

  it('unlimited senders make the counts null; with no rate and no measurement the time is unknown', () => {
    const c = estimateCapacity([{ limit: null, used: 5, usable: true, intervalMs: 0, accountId: null }], null, 10);
    expect(c).toMatchObject({ remainingToday: null, dailyCapacity: null, rateCeilingPerSecond: null, etaSeconds: null });
  });

  it('the senders\' own rates cap a measured rate', () => {
    const c = estimateCapacity([{ limit: null, used: 0, usable: true, intervalMs: 1000, accountId: null }], 50, 60);
    expect(c.rateCeilingPerSecond).toBe(1);
    expect(c.etaSeconds).toBe(60);
  });

  it('paused senders do not count', () => {
    const c = estimateCapacity([{ limit: 10, used: 0, usable: false, intervalMs: 0, accountId: null }], null, 1);
    expect(c).toMatchObject({ usableSenders: 0, dailyCapacity: 0, remainingToday: 0, etaSeconds: null });
  });
});

describe('measuredRate', () => {
  it('divides sends by the minutes that had any, over the last hour', () => {
    const m = Math.floor(NOW / 60_000);
    expect(measuredRate([{ minute: m - 90, sent: 1000 }, { minute: m - 10, sent: 120 }, { minute: m - 5, sent: 60 }], NOW)).toBe(180 / 120);
    expect(measuredRate([], NOW)).toBeNull();
  });
});

describe('estimateCapacity with an account rate', () => {
  it('holds the senders of one account to the account rate', () => {
    const senders: CapacitySender[] = Array.from({ length: 100 }, () => ({ limit: 2000, used: 0, usable: true, intervalMs: 400, accountId: 'sa' }));
    // 100 users × 2.5/s = 250/s, but the account allows one send per 5 ms = 200/s.
    expect(estimateCapacity(senders, null, 0, 5).rateCeilingPerSecond).toBe(200);
    expect(estimateCapacity(senders, null, 0).rateCeilingPerSecond).toBeCloseTo(250, 6);
  });
});
