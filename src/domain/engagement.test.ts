import { describe, it, expect } from 'vitest';
import { applyEngagement, engagementScore } from './engagement.js';

describe('engagement score (seed 000)', () => {
  it('adds open +0.1, click +0.3, conversion +1.0 and moves last_engagement', () => {
    let s = { engagementMilli: 0, lastEngagement: null as number | null };
    s = applyEngagement(s, 'open', 10);
    s = applyEngagement(s, 'click', 20);
    s = applyEngagement(s, 'conversion', 30);
    expect(s).toEqual({ engagementMilli: 1400, lastEngagement: 30 });
    expect(engagementScore(s.engagementMilli)).toBe(1.4);
  });

  it('takes 2.0 for an unsubscribe, floors at 0, and leaves last_engagement alone', () => {
    const s = applyEngagement({ engagementMilli: 1400, lastEngagement: 30 }, 'unsubscribe', 99);
    expect(s).toEqual({ engagementMilli: 0, lastEngagement: 30 });
    expect(applyEngagement({ engagementMilli: 2500, lastEngagement: null }, 'unsubscribe', 1)).toEqual({ engagementMilli: 500, lastEngagement: null });
  });

  it('never moves last_engagement backwards for a late event', () => {
    expect(applyEngagement({ engagementMilli: 0, lastEngagement: 50 }, 'open', 40)).toEqual({ engagementMilli: 100, lastEngagement: 50 });
  });

  it('sums exactly: ten opens are 1.0, not 0.9999999999999999', () => {
    let s = { engagementMilli: 0, lastEngagement: null as number | null };
    for (let i = 0; i < 10; i++) s = applyEngagement(s, 'open', i);
    expect(engagementScore(s.engagementMilli)).toBe(1);
  });
});
