import type { Updateable } from 'kysely';
import type { Campaign, CampaignAudience, CampaignSettings, CampaignStatus } from '../../domain/campaign.js';
import type { SendingWindow } from '../../domain/sending-window.js';
import type { CampaignsTable } from './schema.js';

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Basis points (integer, exact on both dialects) from a fraction, and back. */
const toBp = (rate: number | null): number | null => (rate === null ? null : Math.round(rate * 10_000));
const fromBp = (bp: unknown): number | null => (bp === null || bp === undefined ? null : Number(bp) / 10_000);

/** The columns a campaign's settings occupy. */
export function settingsToRow(s: CampaignSettings): Updateable<CampaignsTable> {
  return {
    name: s.name,
    template_id: s.templateId,
    audience: JSON.stringify(s.audience),
    sender_pool: s.senderPool,
    from_mailbox: s.from,
    rate_per_hour: s.ratePerHour,
    concurrency: s.concurrency,
    scheduled_at: s.scheduledAt,
    send_window: s.window ? JSON.stringify(s.window) : null,
    bounce_pause_bp: toBp(s.bouncePauseRate),
    bounce_pause_min: s.bouncePauseMin,
  };
}

/** The row of a new campaign. */
export function campaignToRow(c: Campaign): CampaignsTable {
  return {
    ...(settingsToRow(c) as Omit<CampaignsTable, 'id'>),
    id: c.id,
    template_version: c.templateVersion,
    audience_rule: c.audienceRule === null || c.audienceRule === undefined ? null : JSON.stringify(c.audienceRule),
    status: c.status,
    status_reason: c.statusReason,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    started_at: c.startedAt,
    finished_at: c.finishedAt,
    checkpoint: c.progress.checkpoint,
    audience_done: c.progress.audienceDone ? 1 : 0,
    targeted: c.progress.targeted,
    materialised: c.progress.materialised,
    skipped_unsubscribed: c.progress.skipped.unsubscribed,
    skipped_bounced: c.progress.skipped.bounced,
    skipped_complained: c.progress.skipped.complained,
    skipped_suppressed: c.progress.skipped.suppressed,
    skipped_missing: c.progress.skipped.missing,
    unsubscribed: c.progress.unsubscribed,
    runner_owner: null,
    runner_until: null,
    rate_tat: null,
    samples: '[]',
  };
}

/** A stored row as a Campaign. */
export function rowToCampaign(r: CampaignsTable): Campaign {
  return {
    id: r.id,
    name: r.name,
    templateId: r.template_id,
    templateVersion: numOrNull(r.template_version),
    audience: JSON.parse(r.audience) as CampaignAudience,
    audienceRule: r.audience_rule === null ? null : (JSON.parse(r.audience_rule) as unknown),
    senderPool: r.sender_pool,
    from: r.from_mailbox,
    ratePerHour: num(r.rate_per_hour),
    concurrency: num(r.concurrency),
    scheduledAt: numOrNull(r.scheduled_at),
    window: r.send_window === null ? null : (JSON.parse(r.send_window) as SendingWindow),
    bouncePauseRate: fromBp(r.bounce_pause_bp),
    bouncePauseMin: num(r.bounce_pause_min),
    status: r.status as CampaignStatus,
    statusReason: r.status_reason,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
    progress: {
      checkpoint: r.checkpoint,
      audienceDone: num(r.audience_done) === 1,
      targeted: num(r.targeted),
      materialised: num(r.materialised),
      skipped: {
        unsubscribed: num(r.skipped_unsubscribed),
        bounced: num(r.skipped_bounced),
        complained: num(r.skipped_complained),
        suppressed: num(r.skipped_suppressed),
        missing: num(r.skipped_missing),
      },
      unsubscribed: num(r.unsubscribed),
    },
  };
}
