import type { Campaign, CampaignSettings, CampaignStatus, SkipReason } from '../domain/campaign.js';
import type { CampaignCounts, CampaignMeasures, SentSample } from '../domain/campaign-stats.js';
import type { NewMessage } from './store.js';

/** Pacing fields that may change on a started campaign. */
export type PacingPatch = Partial<Pick<CampaignSettings, 'ratePerHour' | 'concurrency' | 'window' | 'bouncePauseRate' | 'bouncePauseMin'>>;

/** Fields written with a status change. */
export interface TransitionFields {
  reason?: string | null;
  startedAt?: number;
  /** Frozen at start. */
  templateVersion?: number;
  audienceRule?: unknown;
  targeted?: number;
}

/** One contact of an audience page with the message it would get. */
export interface MaterialiseCandidate {
  contactId: string;
  /** The email the message was built for; the store re-reads the contact and skips it if it changed status. */
  email: string;
  message: NewMessage;
}

/** One batch of materialisation: contacts after `afterId`, in id order, ending at `lastId`. */
export interface MaterialiseBatch {
  campaignId: string;
  /** The runner holding the campaign's lease. */
  owner: string;
  /** The checkpoint the page was read after: the batch applies only if the campaign is still there. */
  afterId: string | null;
  /** The id of the page's last contact: the new checkpoint. */
  lastId: string | null;
  /** True when the page was the audience's last. */
  exhausted: boolean;
  candidates: MaterialiseCandidate[];
  now: number;
}

/** What a batch did; `applied: false` when the campaign had moved on (paused, checkpoint changed, lease lost). */
export interface MaterialiseOutcome {
  applied: boolean;
  created: number;
  skipped: Partial<Record<SkipReason, number>>;
}

/** A recorded one-click unsubscribe. */
export interface UnsubscribeRecord {
  campaignId: string;
  contactId: string;
  at: number;
}

/** What an unsubscribe changed: `changed` is false when the contact was already not subscribed (a repeated click). */
export interface UnsubscribeOutcome {
  /** The address now suppressed, or null when neither the contact nor its campaign message exists. */
  address: string | null;
  changed: boolean;
}

/**
 * Campaigns, their materialisation checkpoint and their messages' release and hold. SQLite and PostgreSQL
 * implement it alike (test/contract/campaign-store-contract.ts). Every status change is a compare-and-set on
 * the status it expects, so a person's pause and the runner's work never interleave.
 */
export interface CampaignStore {
  createCampaign(c: Campaign): Promise<Campaign>;
  getCampaign(id: string): Promise<Campaign | null>;
  /** Newest first, before the cursor id when given. */
  listCampaigns(q: { status?: CampaignStatus; before?: string; limit: number }): Promise<Campaign[]>;
  /** Replace settings while the campaign is still in `expect` (a draft); null when it is not (or unknown). */
  updateCampaign(id: string, settings: CampaignSettings, expect: CampaignStatus, now: number): Promise<Campaign | null>;
  /** Change pacing of a campaign not final; null when it is final or unknown. */
  updatePacing(id: string, patch: PacingPatch, now: number): Promise<Campaign | null>;
  /** Delete a campaign that is still in `expect`; false otherwise. */
  deleteCampaign(id: string, expect: CampaignStatus): Promise<boolean>;

  /**
   * Move `from` → `to` atomically, with the moves' effects on messages in the same transaction: to `paused`
   * takes the campaign's queued messages back out of the queue (held), to `cancelled` cancels every message not
   * yet being sent, to `completed` only when none is left unfinished. Null when the status was not `from`
   * (or, for completed, messages remain).
   */
  transition(id: string, from: CampaignStatus, to: CampaignStatus, now: number, fields?: TransitionFields): Promise<Campaign | null>;

  /** Lease up to `limit` campaigns to run (running, or scheduled and due) to `owner` until now + leaseMs. */
  leaseCampaigns(owner: string, now: number, leaseMs: number, limit: number): Promise<Campaign[]>;
  /** Give up a lease early (on shutdown). */
  releaseLease(id: string, owner: string): Promise<void>;
  /** Create a batch's messages (held), recipients and skips and move the checkpoint: one transaction, or nothing. */
  materialise(batch: MaterialiseBatch): Promise<MaterialiseOutcome>;
  /** Hand up to `count` held messages to the queue (due now) and store the pacing state; only while running and leased. */
  releaseMessages(id: string, owner: string, count: number, now: number, tat: number): Promise<number>;
  /** Take back out of the queue the waiting messages of paused campaigns (e.g. a lease that expired meanwhile). */
  holdPaused(now: number): Promise<number>;
  /** Where the campaign's messages are, by state. */
  counts(id: string, now: number): Promise<CampaignCounts>;
  /** Opens, clicks and the mean send time of the campaign's messages. */
  measures(id: string): Promise<CampaignMeasures>;
  /** The pacing state and throughput samples the runner keeps. */
  runnerState(id: string): Promise<{ tat: number | null; samples: SentSample[] }>;
  saveSamples(id: string, samples: SentSample[]): Promise<void>;

  /**
   * One-click unsubscribe, in one transaction: the address of the contact (or of its campaign message) is
   * suppressed; a subscribed contact becomes unsubscribed, loses engagement as the domain says, gets an
   * activity row and an `unsubscribed` event on its message, and the campaign's count moves — once only.
   */
  recordUnsubscribe(u: UnsubscribeRecord): Promise<UnsubscribeOutcome>;
}
