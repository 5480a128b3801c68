import { describe, it, expect } from 'vitest';
import { AppError } from './errors.js';
import { CAMPAIGN_STATUSES, type CampaignStatus } from './campaign.js';
import { campaignTransition, isEditable, isPacingEditable, type CampaignAction } from './campaign-lifecycle.js';

const ACTIONS: CampaignAction[] = ['start', 'pause', 'resume', 'cancel', 'begin', 'complete', 'auto_pause'];

// Every allowed move; everything else must be refused.
const ALLOWED: Record<string, CampaignStatus> = {
  'draft start': 'running',
  'draft cancel': 'cancelled',
  'scheduled begin': 'running',
  'scheduled cancel': 'cancelled',
  'running pause': 'paused',
  'running auto_pause': 'paused',
  'running cancel': 'cancelled',
  'running complete': 'completed',
  'paused resume': 'running',
  'paused cancel': 'cancelled',
};

describe('campaign lifecycle', () => {
  it('allows exactly draft → scheduled|running ⇄ paused → completed|cancelled', () => {
    for (const from of CAMPAIGN_STATUSES) {
      for (const action of ACTIONS) {
        const want = ALLOWED[`${from} ${action}`];
        if (want) expect(campaignTransition(from, action)).toBe(want);
        else expect(() => campaignTransition(from, action), `${from} ${action}`).toThrow(AppError);
      }
    }
  });

  it('starts a draft scheduled for later as scheduled', () => {
    expect(campaignTransition('draft', 'start', true)).toBe('scheduled');
    expect(campaignTransition('draft', 'start', false)).toBe('running');
  });

  it('refuses with a coded 409 error naming both ends', () => {
    try {
      campaignTransition('running', 'resume');
      expect.unreachable();
    } catch (err) {
      const e = err as AppError;
      expect(e.code).toBe('CAMPAIGN_INVALID_TRANSITION');
      expect(e.field).toBe('status');
      expect(e.details).toEqual({ from: 'running', action: 'resume' });
      expect(e.message).toMatch(/cannot resume a running campaign \(only from paused\)/);
    }
  });

  it('lets only a draft change fully, and nothing final change pacing', () => {
    expect(CAMPAIGN_STATUSES.filter(isEditable)).toEqual(['draft']);
    expect(CAMPAIGN_STATUSES.filter(isPacingEditable)).toEqual(['draft', 'scheduled', 'running', 'paused']);
  });
});
