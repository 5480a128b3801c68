import { describe, it, expect } from 'vitest';
import { noSkips, type CampaignProgress } from './campaign.js';
import { addSample, campaignStats, throughputPerMinute, type CampaignCounts } from './campaign-stats.js';

const counts = (c: Partial<CampaignCounts>): CampaignCounts => ({ held: 0, waiting: 0, dueWaiting: 0, sending: 0, sent: 0, failed: 0, bounced: 0, suppressed: 0, cancelled: 0, ...c });
const progress = (p: Partial<CampaignProgress>): CampaignProgress => ({ checkpoint: null, audienceDone: false, targeted: 0, materialised: 0, skipped: noSkips(), unsubscribed: 0, ...p });

describe('campaign statistics', () => {
  it('keeps a sample every 5 s over about a minute', () => {
    let s = addSample([], { at: 0, sent: 0 });
    s = addSample(s, { at: 1_000, sent: 5 });
    expect(s).toHaveLength(1);
    for (let t = 5_000; t <= 120_000; t += 5_000) s = addSample(s, { at: t, sent: t / 100 });
    expect(s.length).toBeLessThanOrEqual(14);
    expect(s[0]!.at).toBeGreaterThanOrEqual(120_000 - 65_000);
  });

  it('measures throughput from the oldest recent sample', () => {
    expect(throughputPerMinute([{ at: 0, sent: 0 }], 120, 60_000)).toBe(120);
    expect(throughputPerMinute([{ at: 59_500, sent: 0 }], 120, 60_000)).toBe(0);
    expect(throughputPerMinute([], 120, 60_000)).toBe(0);
  });

  it('derives success rate, average send time, remaining and ETA', () => {
    const skipped = { ...noSkips(), unsubscribed: 3, suppressed: 2 };
    const s = campaignStats('running', 600, progress({ targeted: 1_000, materialised: 400, skipped }),
      counts({ held: 50, waiting: 10, dueWaiting: 5, sending: 5, sent: 300, failed: 10, bounced: 20, suppressed: 4, cancelled: 1 }),
      { opened: 7, clicked: 2, avgSendMs: 1_500 }, [{ at: 0, sent: 240 }], 60_000);
    expect(s.queued).toBe(60);
    expect(s.suppressed).toBe(6);
    expect(s.successRate).toBeCloseTo((300 * 100) / 330, 10);
    expect(s.avgSendSeconds).toBe(1.5);
    expect(s.throughputPerMinute).toBe(60);
    // Not final: 50 + 10 + 5; unread audience: 1000 − 400 − 5.
    expect(s.remaining).toBe(65 + 595);
    expect(s.etaSeconds).toBe(660);
  });

  it('falls back to the rate limit before any throughput is measured, and has no ETA unless running', () => {
    const p = progress({ targeted: 100, materialised: 100, audienceDone: true });
    expect(campaignStats('running', 3600, p, counts({ held: 100 }), { opened: 0, clicked: 0, avgSendMs: null }, [], 0).etaSeconds).toBe(100);
    expect(campaignStats('paused', 3600, p, counts({ held: 100 }), { opened: 0, clicked: 0, avgSendMs: null }, [], 0).etaSeconds).toBeNull();
    expect(campaignStats('completed', 3600, p, counts({ sent: 100 }), { opened: 0, clicked: 0, avgSendMs: null }, [], 0).etaSeconds).toBe(0);
    expect(campaignStats('running', 3600, p, counts({ held: 100 }), { opened: 0, clicked: 0, avgSendMs: null }, [], 0).successRate).toBeNull();
  });
});
