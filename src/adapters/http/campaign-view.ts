import { Type, type Static } from '@sinclair/typebox';
import { CAMPAIGN_STATUSES, type Campaign } from '../../domain/campaign.js';
import type { CampaignStats } from '../../domain/campaign-stats.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

const Skipped = Type.Object({
  unsubscribed: Type.Integer(), bounced: Type.Integer(), complained: Type.Integer(), suppressed: Type.Integer(),
  missing: Type.Integer({ description: 'Deleted between the audience read and the batch' }),
});

/** A campaign as the API shows it. */
export const CampaignSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  template_id: Type.String(),
  template_version: Type.Union([Type.Integer(), Type.Null()], { description: 'Frozen at start' }),
  audience: Type.Object({
    segment_id: Type.Optional(Type.String()),
    rule: Type.Optional(Type.Unknown()),
    tags: Type.Optional(Type.Array(Type.String())),
  }),
  sender_pool: NullableString,
  from: NullableString,
  rate_limit_per_hour: Type.Integer(),
  concurrency: Type.Integer(),
  scheduled_at: NullableString,
  sending_window: Type.Union([Type.Object({ days: Type.Array(Type.Integer()), start: Type.String(), end: Type.String(), time_zone: Type.String() }), Type.Null()]),
  auto_pause_bounce_rate: NullableNumber,
  auto_pause_min_sends: Type.Integer(),
  status: Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s))),
  status_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it is in this status, e.g. the auto-pause reason' }),
  progress: Type.Object({
    audience_done: Type.Boolean({ description: 'The audience has been read to its end' }),
    targeted: Type.Integer(),
    materialised: Type.Integer(),
    skipped: Skipped,
  }),
  created_at: Type.String(),
  updated_at: Type.String(),
  started_at: NullableString,
  finished_at: NullableString,
});

/** Shape a campaign for the API. */
export function campaignView(c: Campaign): Static<typeof CampaignSchema> {
  const a = c.audience;
  return {
    id: c.id,
    name: c.name,
    template_id: c.templateId,
    template_version: c.templateVersion,
    audience: 'tags' in a ? { tags: a.tags } : 'rule' in a ? { rule: a.rule } : { segment_id: a.segmentId },
    sender_pool: c.senderPool,
    from: c.from,
    rate_limit_per_hour: c.ratePerHour,
    concurrency: c.concurrency,
    scheduled_at: iso(c.scheduledAt),
    sending_window: c.window ? { days: c.window.days, start: c.window.start, end: c.window.end, time_zone: c.window.timeZone } : null,
    auto_pause_bounce_rate: c.bouncePauseRate,
    auto_pause_min_sends: c.bouncePauseMin,
    status: c.status,
    status_reason: c.statusReason,
    progress: { audience_done: c.progress.audienceDone, targeted: c.progress.targeted, materialised: c.progress.materialised, skipped: c.progress.skipped },
    created_at: iso(c.createdAt)!,
    updated_at: iso(c.updatedAt)!,
    started_at: iso(c.startedAt),
    finished_at: iso(c.finishedAt),
  };
}

/** A campaign's live statistics as the API shows them. */
export const CampaignStatsSchema = Type.Object({
  id: Type.String(),
  status: Type.Union(CAMPAIGN_STATUSES.map((s) => Type.Literal(s))),
  status_reason: NullableString,
  targeted: Type.Integer(),
  materialised: Type.Integer(),
  queued: Type.Integer({ description: 'Created and not yet being sent (held for pacing, or in the queue)' }),
  sending: Type.Integer(),
  sent: Type.Integer(),
  failed: Type.Integer(),
  bounced: Type.Integer(),
  suppressed: Type.Integer({ description: 'On the suppression list: skipped at materialisation plus suppressed at send time' }),
  cancelled: Type.Integer(),
  skipped: Skipped,
  opened: Type.Integer(),
  clicked: Type.Integer(),
  unsubscribed: Type.Integer(),
  success_rate: Type.Union([Type.Number(), Type.Null()], { description: 'sent / (sent + failed + bounced), percent' }),
  average_send_time_seconds: Type.Union([Type.Number(), Type.Null()], { description: 'Mean of sent_at − created_at over sent messages' }),
  throughput_per_minute: Type.Number({ description: 'Sent per minute over the last minute' }),
  remaining: Type.Integer(),
  eta_seconds: Type.Union([Type.Integer(), Type.Null()], { description: 'At the current throughput (or the rate limit); null unless running' }),
});

/** Shape a campaign's statistics for the API. */
export function campaignStatsView(c: Campaign, s: CampaignStats): Static<typeof CampaignStatsSchema> {
  return {
    id: c.id,
    status: c.status,
    status_reason: c.statusReason,
    targeted: s.targeted,
    materialised: s.materialised,
    queued: s.queued,
    sending: s.sending,
    sent: s.sent,
    failed: s.failed,
    bounced: s.bounced,
    suppressed: s.suppressed,
    cancelled: s.cancelled,
    skipped: s.skipped,
    opened: s.opened,
    clicked: s.clicked,
    unsubscribed: s.unsubscribed,
    success_rate: s.successRate === null ? null : Math.round(s.successRate * 100) / 100,
    average_send_time_seconds: s.avgSendSeconds === null ? null : Math.round(s.avgSendSeconds * 1000) / 1000,
    throughput_per_minute: Math.round(s.throughputPerMinute * 10) / 10,
    remaining: s.remaining,
    eta_seconds: s.etaSeconds,
  };
}
