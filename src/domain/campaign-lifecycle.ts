import { AppError } from './errors.js';
import type { CampaignStatus } from './campaign.js';

/**
 * What can happen to a campaign. People: start, pause, resume, cancel. The runner: `begin` (a scheduled
 * campaign's time came), `complete` (every message reached a final status), `auto_pause` (bounce threshold).
 */
export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel' | 'begin' | 'complete' | 'auto_pause';

/** Statuses a campaign never leaves. */
export const FINAL_CAMPAIGN_STATUSES: ReadonlySet<CampaignStatus> = new Set(['completed', 'cancelled']);

const MOVES: Record<CampaignAction, Partial<Record<CampaignStatus, CampaignStatus>>> = {
  // `start` goes to scheduled or running depending on the schedule: see campaignTransition.
  start: { draft: 'running' },
  pause: { running: 'paused' },
  auto_pause: { running: 'paused' },
  resume: { paused: 'running' },
  cancel: { draft: 'cancelled', scheduled: 'cancelled', running: 'cancelled', paused: 'cancelled' },
  begin: { scheduled: 'running' },
  complete: { running: 'completed' },
};

/**
 * The status after `action` on a campaign in `from`: draft → scheduled | running ⇄ paused → completed | cancelled.
 * `scheduledLater` says a start should wait for the schedule time. An impossible move throws
 * CAMPAIGN_INVALID_TRANSITION (HTTP 409) naming both ends.
 */
export function campaignTransition(from: CampaignStatus, action: CampaignAction, scheduledLater = false): CampaignStatus {
  const to = MOVES[action][from];
  if (!to) {
    const allowed = Object.keys(MOVES[action]).join(', ');
    throw new AppError('CAMPAIGN_INVALID_TRANSITION', `status: cannot ${action.replace('_', '-')} a ${from} campaign (only from ${allowed})`, {
      field: 'status', details: { from, action },
    });
  }
  return action === 'start' && scheduledLater ? 'scheduled' : to;
}

/** True when settings other than pacing may still change: only a draft. */
export function isEditable(status: CampaignStatus): boolean {
  return status === 'draft';
}

/** True when pacing (rate, concurrency, window, bounce threshold) may still change: any status but the final ones. */
export function isPacingEditable(status: CampaignStatus): boolean {
  return !FINAL_CAMPAIGN_STATUSES.has(status);
}
