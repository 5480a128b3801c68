import type { CampaignProgress, CampaignStatus, SkipCounts } from './campaign.js';

/** A campaign's messages by where they are (every materialised message is in exactly one of these). */
export interface CampaignCounts {
  /** Materialised, not yet handed to the queue (or taken back by a pause). */
  held: number;
  /** In the queue: due now or deferred to later. */
  waiting: number;
  /** Of `waiting`, those due now. */
  dueWaiting: number;
  /** Leased to a worker: being sent. */
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  suppressed: number;
  cancelled: number;
}

/** Engagement the campaign's messages drew, and send-time figures from the store. */
export interface CampaignMeasures {
  opened: number;
  clicked: number;
  /** Mean of sent_at − created_at over sent messages, in ms; null before the first. */
  avgSendMs: number | null;
}

/** One throughput sample: how many had been sent at a moment. */
export interface SentSample {
  at: number;
  sent: number;
}

/** A campaign's live statistics as the API reports them. */
export interface CampaignStats {
  targeted: number;
  materialised: number;
  /** Held + waiting: created and not yet being sent. */
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  bounced: number;
  /** Addresses on the suppression list: skipped at materialisation plus messages suppressed at send time. */
  suppressed: number;
  cancelled: number;
  skipped: SkipCounts;
  opened: number;
  clicked: number;
  unsubscribed: number;
  /** sent / (sent + failed + bounced), in percent; null before any outcome. */
  successRate: number | null;
  /** Mean of sent_at − created_at over sent messages (the seed's query), in seconds. */
  avgSendSeconds: number | null;
  /** Messages sent per minute over the last minute or so. */
  throughputPerMinute: number;
  /** Messages not yet final, plus audience not yet read. */
  remaining: number;
  /** Seconds to the end at the current throughput (or the rate limit before any is measured); null when not running. */
  etaSeconds: number | null;
}

const SAMPLE_EVERY_MS = 5_000;
const SAMPLE_SPAN_MS = 60_000;

/** Add a sample when the last one is 5 s old, keeping about a minute of them (a dozen at most). */
export function addSample(samples: SentSample[], s: SentSample): SentSample[] {
  const last = samples[samples.length - 1];
  if (last && s.at - last.at < SAMPLE_EVERY_MS) return samples;
  return [...samples.filter((x) => s.at - x.at <= SAMPLE_SPAN_MS + SAMPLE_EVERY_MS), s];
}

/** Sent per minute between the oldest sample of the last minute and now (0 with no sample at least 1 s old). */
export function throughputPerMinute(samples: SentSample[], sentNow: number, now: number): number {
  const base = samples.find((x) => now - x.at <= SAMPLE_SPAN_MS + SAMPLE_EVERY_MS && now - x.at >= 1_000);
  if (!base) return 0;
  return Math.max(0, ((sentNow - base.sent) * 60_000) / (now - base.at));
}

/** Combine counts, progress and measures into the reported statistics. */
export function campaignStats(
  status: CampaignStatus, ratePerHour: number, progress: CampaignProgress, c: CampaignCounts, m: CampaignMeasures, samples: SentSample[], now: number,
): CampaignStats {
  const skippedTotal = Object.values(progress.skipped).reduce((a, b) => a + b, 0);
  const outcomes = c.sent + c.failed + c.bounced;
  const notFinal = c.held + c.waiting + c.sending;
  const unread = progress.audienceDone ? 0 : Math.max(0, progress.targeted - progress.materialised - skippedTotal);
  const remaining = notFinal + unread;
  const perMinute = throughputPerMinute(samples, c.sent, now);
  const pace = perMinute > 0 ? perMinute : ratePerHour / 60;
  return {
    targeted: progress.targeted,
    materialised: progress.materialised,
    queued: c.held + c.waiting,
    sending: c.sending,
    sent: c.sent,
    failed: c.failed,
    bounced: c.bounced,
    suppressed: c.suppressed + progress.skipped.suppressed,
    cancelled: c.cancelled,
    skipped: { ...progress.skipped },
    opened: m.opened,
    clicked: m.clicked,
    unsubscribed: progress.unsubscribed,
    successRate: outcomes === 0 ? null : (c.sent * 100) / outcomes,
    avgSendSeconds: m.avgSendMs === null ? null : m.avgSendMs / 1000,
    throughputPerMinute: perMinute,
    remaining,
    etaSeconds: status === 'completed' ? 0 : status === 'running' ? Math.ceil((remaining * 60) / pace) : null,
  };
}
