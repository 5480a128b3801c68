import type { SendingWindow } from './sending-window.js';

/** The states of a campaign's lifecycle (see campaign-lifecycle.ts for the moves between them). */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;

/** One state of a campaign. */
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** Who a campaign is sent to: a saved segment, a rule written inline, or contacts having any of some tags. */
export type CampaignAudience = { segmentId: string } | { rule: unknown } | { tags: string[] };

/** Why a contact of the audience got no message. */
export const SKIP_REASONS = ['unsubscribed', 'bounced', 'complained', 'suppressed', 'missing'] as const;

/** One reason for skipping a contact: its status, its address on the suppression list, or deleted meanwhile. */
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Contacts skipped, by reason. */
export type SkipCounts = Record<SkipReason, number>;

/** Defaults of the seed (002): 500 emails per hour, 5 sends at once; auto-pause past 5 % bounces after 100 sends. */
export const CAMPAIGN_DEFAULTS = { ratePerHour: 500, concurrency: 5, bouncePauseRate: 0.05, bouncePauseMin: 100 } as const;

/** What a person sets on a campaign. */
export interface CampaignSettings {
  name: string;
  templateId: string;
  audience: CampaignAudience;
  /** The sender pool its messages name, or null for the default transport. */
  senderPool: string | null;
  /** Sender mailbox ("Name <a@b>"), or null for the configured default. */
  from: string | null;
  ratePerHour: number;
  concurrency: number;
  /** When to start (epoch ms) once started; null = at once. */
  scheduledAt: number | null;
  /** Only send inside this window, when given. */
  window: SendingWindow | null;
  /** Pause automatically when bounces / attempts passes this fraction; null = never. */
  bouncePauseRate: number | null;
  /** …once at least this many messages were attempted. */
  bouncePauseMin: number;
}

/** How far materialisation got: the checkpoint and what it counted, all moved in one transaction per batch. */
export interface CampaignProgress {
  /** The last contact id materialised or skipped (keyset order); null before the first batch. */
  checkpoint: string | null;
  /** True once the audience has been read to its end. */
  audienceDone: boolean;
  /** Audience size when started; the exact number materialised + skipped once the audience is done. */
  targeted: number;
  /** Messages created (each contact at most once). */
  materialised: number;
  skipped: SkipCounts;
  /** Contacts who unsubscribed through this campaign's link. */
  unsubscribed: number;
}

/** A campaign as stored. */
export interface Campaign extends CampaignSettings {
  id: string;
  status: CampaignStatus;
  /** Why it is in its status (e.g. the auto-pause reason), or null. */
  statusReason: string | null;
  /** Frozen at start: the template version every message uses. */
  templateVersion: number | null;
  /** Frozen at start: the rule the audience is read with (a segment's rule at that time), or null for tags. */
  audienceRule: unknown;
  progress: CampaignProgress;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Zero skips. */
export function noSkips(): SkipCounts {
  return { unsubscribed: 0, bounced: 0, complained: 0, suppressed: 0, missing: 0 };
}

/** The idempotency key of a campaign's message to one contact: the store keeps one message per key, ever. */
export function campaignMessageKey(campaignId: string, contactId: string): string {
  return `campaign:${campaignId}:${contactId}`;
}
