import { randomBytes } from 'node:crypto';
import type { Campaign } from '../domain/campaign.js';
import { bouncePauseReason } from '../domain/campaign-auto-pause.js';
import { materialiseLookahead, releaseAllowance } from '../domain/campaign-pacing.js';
import { addSample } from '../domain/campaign-stats.js';
import type { CampaignStore } from '../ports/campaign-store.js';
import type { Clock } from '../ports/clock.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { Logger } from '../ports/logger.js';
import { audienceFilter } from '../services/campaign-audience.js';
import type { CampaignMessageBuilder } from '../services/campaign-messages.js';

/** What the runner works with. */
export interface CampaignRunnerDeps {
  campaigns: CampaignStore;
  contacts: Pick<ContactStore, 'pageContacts'>;
  builder: CampaignMessageBuilder;
  clock: Clock;
  log: Logger;
  /** Messages entered the queue: wake in-process delivery loops. */
  onReleased?: () => void;
}

/** How the runner paces itself. */
export interface CampaignRunnerOptions {
  /** Pause between passes while some campaign runs (ms). */
  tickMs: number;
  /** Pause between passes when none runs; wake() ends it (ms). */
  idleMs: number;
  /** How long a pass's claim on a campaign lasts; a crashed runner's campaigns are taken over after it. */
  leaseMs: number;
  /** Contacts per materialisation batch (one transaction each). */
  batchSize: number;
  /** Campaigns one runner works on at once. */
  maxCampaigns: number;
  /** Held messages to keep ready per campaign (default: materialiseLookahead). */
  lookahead?: (c: Campaign) => number;
  /** Lease owner name (default: random per runner). */
  owner?: string;
}

// Wall-clock budget of materialisation per campaign per pass, so one large campaign cannot starve the others.
const MATERIALISE_BUDGET_MS = 1_000;
const HOLD_PAUSED_EVERY_MS = 1_000;

/**
 * The campaign materialiser loop. Each pass leases the campaigns to run and, for each: starts a scheduled one
 * whose time came; auto-pauses on the bounce rule; materialises the audience just ahead of sending, in batches
 * of one transaction each (recipients + held messages + checkpoint, so a crash resumes exactly where it stopped);
 * releases held messages into the queue at the campaign's rate and concurrency; and completes the campaign only
 * when the audience is read and every message is final. It never sends: the delivery workers do.
 */
export class CampaignRunner {
  private readonly owner: string;
  private running = false;
  private loop: Promise<void> | null = null;
  private waiter: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly leased = new Set<string>();
  private lastHold = 0;

  constructor(private readonly deps: CampaignRunnerDeps, private readonly opts: CampaignRunnerOptions) {
    this.owner = opts.owner ?? `campaign-runner-${randomBytes(6).toString('hex')}`;
  }

  /** Start the loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stop after the current pass and give up the leases, so another process takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = null;
    for (const id of this.leased) await this.deps.campaigns.releaseLease(id, this.owner).catch(() => undefined);
    this.leased.clear();
  }

  /** Something changed (a start, a resume): end the idle pause. */
  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    w?.();
  }

  /** One pass over the campaigns this runner can lease; returns how many it worked on. */
  async tick(): Promise<number> {
    const { campaigns, clock, log } = this.deps;
    const now = clock.now();
    if (now - this.lastHold >= HOLD_PAUSED_EVERY_MS) {
      this.lastHold = now;
      const held = await campaigns.holdPaused(now);
      if (held > 0) log.warn({ count: held }, 'held queued messages of paused campaigns (requeued after a lease expired)');
    }
    const list = await campaigns.leaseCampaigns(this.owner, now, this.opts.leaseMs, this.opts.maxCampaigns);
    for (const c of list) {
      this.leased.add(c.id);
      try {
        await this.step(c);
      } catch (err) {
        log.error({ err, campaign_id: c.id }, 'campaign step failed; it is retried next pass');
      }
    }
    return list.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = 0;
      try {
        worked = await this.tick();
      } catch (err) {
        this.deps.log.error({ err }, 'campaign runner pass failed');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        this.timer = setTimeout(() => this.wake(), worked > 0 ? this.opts.tickMs : this.opts.idleMs);
      });
    }
  }

  private async step(campaign: Campaign): Promise<void> {
    const { campaigns, clock, log } = this.deps;
    let c = campaign;
    const now = clock.now();
    if (c.status === 'scheduled') {
      const begun = await campaigns.transition(c.id, 'scheduled', 'running', now);
      if (!begun) return;
      log.info({ campaign_id: c.id }, 'scheduled campaign started');
      c = begun;
    }
    let counts = await campaigns.counts(c.id, now);
    const reason = bouncePauseReason(counts, c.bouncePauseRate, c.bouncePauseMin);
    if (reason) {
      if (await campaigns.transition(c.id, 'running', 'paused', now, { reason })) log.warn({ campaign_id: c.id, reason }, 'campaign auto-paused');
      return;
    }

    let done = c.progress.audienceDone;
    if (!done) {
      const made = await this.materialise(c, counts.held, now);
      if (made === null) return; // the campaign moved on (paused, cancelled, lease lost)
      done = made.done;
      if (made.created > 0) counts = await campaigns.counts(c.id, now);
    }

    const state = await campaigns.runnerState(c.id);
    const allow = releaseAllowance(c, state.tat, counts.dueWaiting + counts.sending, now);
    const n = Math.min(allow.count, counts.held);
    if (n > 0) {
      const released = await campaigns.releaseMessages(c.id, this.owner, n, now, allow.tatAfter(n));
      if (released > 0) this.deps.onReleased?.();
    }

    const samples = addSample(state.samples, { at: now, sent: counts.sent });
    if (samples !== state.samples) await campaigns.saveSamples(c.id, samples);

    if (done && counts.held + counts.waiting + counts.sending === 0) {
      // The store re-checks in its transaction that no message is left unfinished.
      if (await campaigns.transition(c.id, 'running', 'completed', now)) log.info({ campaign_id: c.id, sent: counts.sent }, 'campaign completed');
    }
  }

  /** Materialise up to the lookahead; null when a batch did not apply (the campaign changed under us). */
  private async materialise(c: Campaign, held: number, now: number): Promise<{ done: boolean; created: number } | null> {
    const target = (this.opts.lookahead ?? materialiseLookahead)(c);
    const filter = audienceFilter(c);
    let checkpoint = c.progress.checkpoint;
    let ready = held;
    let created = 0;
    const until = Date.now() + MATERIALISE_BUDGET_MS;
    while (ready < target && Date.now() < until) {
      const limit = Math.min(this.opts.batchSize, target - ready);
      const page = await this.deps.contacts.pageContacts(filter, checkpoint, limit);
      const exhausted = page.length < limit;
      const out = await this.deps.campaigns.materialise({
        campaignId: c.id, owner: this.owner, afterId: checkpoint, lastId: page.length ? page[page.length - 1]!.id : checkpoint, exhausted,
        candidates: page.map((ct) => ({ contactId: ct.id, email: ct.email, message: this.deps.builder.build(c, ct, now) })), now,
      });
      if (!out.applied) return null;
      checkpoint = page.length ? page[page.length - 1]!.id : checkpoint;
      ready += out.created;
      created += out.created;
      if (exhausted) return { done: true, created };
    }
    return { done: false, created };
  }
}
