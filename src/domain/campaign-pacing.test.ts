import { describe, it, expect } from 'vitest';
import { materialiseLookahead, releaseAllowance, type CampaignPace } from './campaign-pacing.js';

/** Drive the release rule over simulated time: each release is sent `sendMs` later; returns release times. */
function simulate(pace: CampaignPace, durationMs: number, stepMs: number, sendMs: number): number[] {
  const released: number[] = [];
  let tat: number | null = null;
  const t0 = 1_800_000_000_000;
  for (let now = t0; now < t0 + durationMs; now += stepMs) {
    const inFlight = released.filter((r) => r + sendMs > now).length;
    const a = releaseAllowance(pace, tat, inFlight, now);
    for (let k = 0; k < a.count; k++) released.push(now);
    if (a.count > 0) tat = a.tatAfter(a.count);
  }
  return released.map((r) => r - t0);
}

describe('campaign pacing', () => {
  it('3,600/hour releases one per second after an initial burst of `concurrency`', () => {
    const times = simulate({ ratePerHour: 3600, concurrency: 5, window: null }, 60_000, 50, 10);
    expect(times.filter((t) => t === 0)).toHaveLength(5);
    // Steady state: 59 more in the next 59 seconds, one per second.
    const later = times.filter((t) => t > 0);
    expect(later.length).toBeGreaterThanOrEqual(58);
    expect(later.length).toBeLessThanOrEqual(60);
    for (let i = 1; i < later.length; i++) expect(later[i]! - later[i - 1]!).toBeGreaterThanOrEqual(950);
  });

  it('never lets more than `concurrency` be out at once, whatever the rate', () => {
    const sendMs = 2_000;
    const times = simulate({ ratePerHour: 10_000_000, concurrency: 3, window: null }, 20_000, 100, sendMs);
    for (const t of times) expect(times.filter((r) => r <= t && r + sendMs > t).length).toBeLessThanOrEqual(3);
    // Bounded by concurrency / send time: 3 per 2 s over 20 s.
    expect(times.length).toBeLessThanOrEqual(33);
    expect(times.length).toBeGreaterThanOrEqual(27);
  });

  it('holds the long-run rate: 500/hour gives 500 ± burst in an hour', () => {
    const times = simulate({ ratePerHour: 500, concurrency: 5, window: null }, 3600_000, 1_000, 10);
    expect(times.length).toBeGreaterThanOrEqual(500);
    expect(times.length).toBeLessThanOrEqual(505);
  });

  it('releases nothing outside the sending window', () => {
    // 2027-01-15T12:00Z is a Friday; a Monday-only window is closed.
    const now = Date.parse('2027-01-15T12:00:00Z');
    const pace: CampaignPace = { ratePerHour: 3600, concurrency: 5, window: { days: [1], start: '09:00', end: '17:00', timeZone: 'UTC' } };
    expect(releaseAllowance(pace, null, 0, now).count).toBe(0);
    expect(releaseAllowance({ ...pace, window: { ...pace.window!, days: [5] } }, null, 0, now).count).toBe(5);
  });

  it('reports the limiter state after k releases as the GCRA would', () => {
    const a = releaseAllowance({ ratePerHour: 3600, concurrency: 5, window: null }, null, 0, 10_000);
    expect(a.count).toBe(5);
    expect(a.tatAfter(0)).toBe(10_000);
    expect(a.tatAfter(5)).toBe(15_000);
    // From that state, the next release is due one interval after the burst's tolerance allows.
    expect(releaseAllowance({ ratePerHour: 3600, concurrency: 5, window: null }, 15_000, 0, 10_500).count).toBe(0);
    expect(releaseAllowance({ ratePerHour: 3600, concurrency: 5, window: null }, 15_000, 0, 11_000).count).toBe(1);
  });

  it('keeps about a minute of messages ready, within bounds', () => {
    expect(materialiseLookahead({ ratePerHour: 500, concurrency: 5 })).toBe(19);
    expect(materialiseLookahead({ ratePerHour: 1, concurrency: 1 })).toBe(10);
    expect(materialiseLookahead({ ratePerHour: 3_600_000, concurrency: 50 })).toBe(5000);
    expect(materialiseLookahead({ ratePerHour: 3_600_000, concurrency: 50 }, 500)).toBe(500);
  });
});
