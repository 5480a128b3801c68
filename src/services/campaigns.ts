import { monotonicFactory } from 'ulid';
import { AppError, invalid } from '../domain/errors.js';
import { parseMailbox } from '../domain/address.js';
import { CAMPAIGN_DEFAULTS, noSkips, type Campaign, type CampaignAudience, type CampaignSettings, type CampaignStatus } from '../domain/campaign.js';
import { campaignTransition, isEditable, type CampaignAction } from '../domain/campaign-lifecycle.js';
import { campaignStats, type CampaignStats } from '../domain/campaign-stats.js';
import { parseRule } from '../domain/segment-parse.js';
import { tagProblem } from '../domain/contact-text.js';
import { windowProblem, type SendingWindow } from '../domain/sending-window.js';
import type { Clock } from '../ports/clock.js';
import type { CampaignStore, PacingPatch } from '../ports/campaign-store.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { SegmentStore } from '../ports/segment-store.js';
import { audienceFilter } from './campaign-audience.js';
import { PACING_FIELDS, type CreateCampaign, type UpdateCampaign, type WindowBody } from './campaign-schema.js';
import type { TemplateCatalog } from './template-catalog.js';

/** What managing campaigns needs. */
export interface CampaignDeps {
  campaigns: CampaignStore;
  contacts: Pick<ContactStore, 'countContacts'>;
  segments: Pick<SegmentStore, 'getSegment'>;
  templates: Pick<TemplateCatalog, 'current'>;
  /** Looks a sender pool up; absent while sender pools are not wired in (then any name is accepted). */
  pools?: { getPool(id: string): Promise<unknown> };
  clock: Clock;
  /** Called when a campaign starts or resumes, so an in-process runner looks at once. */
  onChange?: () => void;
}

const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;

/**
 * Campaign use cases: create, read, edit (a draft fully; a started campaign's pacing only), delete a draft,
 * start / pause / resume / cancel through the lifecycle, duplicate, and live statistics.
 */
export class ManageCampaigns {
  private readonly nextId = monotonicFactory();

  constructor(private readonly deps: CampaignDeps) {}

  async create(body: CreateCampaign): Promise<Campaign> {
    const now = this.deps.clock.now();
    const settings = await this.settings(body, null);
    const c: Campaign = {
      ...settings, id: this.nextId(now), status: 'draft', statusReason: null, templateVersion: null, audienceRule: null,
      progress: { checkpoint: null, audienceDone: false, targeted: 0, materialised: 0, skipped: noSkips(), unsubscribed: 0 },
      createdAt: now, updatedAt: now, startedAt: null, finishedAt: null,
    };
    return this.deps.campaigns.createCampaign(c);
  }

  async get(id: string): Promise<Campaign> {
    const c = await this.deps.campaigns.getCampaign(id);
    if (!c) throw new AppError('CAMPAIGN_NOT_FOUND', `no campaign "${id}"`, { field: 'id' });
    return c;
  }

  list(q: { status?: CampaignStatus; cursor?: string; limit: number }): Promise<Campaign[]> {
    return this.deps.campaigns.listCampaigns({ status: q.status, before: q.cursor, limit: q.limit });
  }

  /** A draft takes any change; a started campaign only pacing changes (CAMPAIGN_NOT_EDITABLE otherwise). */
  async update(id: string, patch: UpdateCampaign): Promise<Campaign> {
    const cur = await this.get(id);
    const now = this.deps.clock.now();
    if (isEditable(cur.status)) {
      const merged = { ...toBody(cur), ...patch } as CreateCampaign;
      const updated = await this.deps.campaigns.updateCampaign(id, await this.settings(merged, cur), 'draft', now);
      if (updated) return updated;
      return this.update(id, patch); // it was started meanwhile: apply the rules of its new status
    }
    const other = Object.keys(patch).find((k) => !(PACING_FIELDS as readonly string[]).includes(k));
    if (other) {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', `${other}: a ${cur.status} campaign's ${other} cannot change; only ${PACING_FIELDS.join(', ')} can`, { field: other });
    }
    const pacing: PacingPatch = {};
    if (patch.rate_limit_per_hour !== undefined) pacing.ratePerHour = patch.rate_limit_per_hour;
    if (patch.concurrency !== undefined) pacing.concurrency = patch.concurrency;
    if (patch.sending_window !== undefined) pacing.window = parseWindow(patch.sending_window);
    if (patch.auto_pause_bounce_rate !== undefined) pacing.bouncePauseRate = patch.auto_pause_bounce_rate;
    if (patch.auto_pause_min_sends !== undefined) pacing.bouncePauseMin = patch.auto_pause_min_sends;
    const updated = await this.deps.campaigns.updatePacing(id, pacing, now);
    if (!updated) throw new AppError('CAMPAIGN_NOT_EDITABLE', `status: the campaign is ${(await this.get(id)).status}; nothing can change`, { field: 'status' });
    this.deps.onChange?.();
    return updated;
  }

  /** Delete a draft; a started campaign is cancelled instead (its messages and statistics stay). */
  async remove(id: string): Promise<void> {
    const cur = await this.get(id);
    if (cur.status !== 'draft' || !(await this.deps.campaigns.deleteCampaign(id, 'draft'))) {
      throw new AppError('CAMPAIGN_NOT_EDITABLE', `status: only a draft can be deleted; this campaign is ${(await this.get(id)).status} (cancel it instead)`, { field: 'status' });
    }
  }

  /**
   * Start a draft: freeze the template version and the audience rule, count the audience, and go to `running`
   * (or `scheduled` when scheduled_at is later). Refused with TEMPLATE_NOT_FOUND / TEMPLATE_INACTIVE,
   * SEGMENT_NOT_FOUND or CAMPAIGN_AUDIENCE_EMPTY, in which case nothing changes.
   */
  async start(id: string): Promise<Campaign> {
    const cur = await this.get(id);
    const now = this.deps.clock.now();
    const later = cur.scheduledAt !== null && cur.scheduledAt > now;
    const to = campaignTransition(cur.status, 'start', later);
    const t = await this.deps.templates.current(cur.templateId);
    if (!t) throw new AppError('TEMPLATE_NOT_FOUND', `template_id: no template "${cur.templateId}"`, { field: 'template_id' });
    if (!t.active) throw new AppError('TEMPLATE_INACTIVE', `template_id: template "${cur.templateId}" is not active`, { field: 'template_id' });
    const audienceRule = await this.resolveRule(cur.audience);
    const startedAt = later ? cur.scheduledAt! : now;
    const filter = audienceFilter({ audience: cur.audience, audienceRule, startedAt, createdAt: cur.createdAt });
    const subscribed = await this.deps.contacts.countContacts({ ...filter, status: 'subscribed' });
    if (subscribed === 0) throw new AppError('CAMPAIGN_AUDIENCE_EMPTY', 'audience: no subscribed contact matches; nothing would be sent', { field: 'audience' });
    const targeted = await this.deps.contacts.countContacts(filter);
    const res = await this.deps.campaigns.transition(id, cur.status, to, now, { startedAt, templateVersion: t.version, audienceRule, targeted });
    if (!res) return this.raced(id, 'start');
    this.deps.onChange?.();
    return res;
  }

  pause(id: string): Promise<Campaign> {
    return this.act(id, 'pause', 'paused through the API');
  }

  resume(id: string): Promise<Campaign> {
    return this.act(id, 'resume', null);
  }

  cancel(id: string): Promise<Campaign> {
    return this.act(id, 'cancel', 'cancelled through the API');
  }

  /** A new draft with the same settings, named "<name> (copy)". */
  async duplicate(id: string): Promise<Campaign> {
    const cur = await this.get(id);
    const body = toBody(cur);
    return this.create({ ...body, name: `${cur.name} (copy)`.slice(0, 200) });
  }

  /** Live statistics: counts by state, skips, engagement, success rate, average send time, throughput and ETA. */
  async stats(id: string): Promise<{ campaign: Campaign; stats: CampaignStats }> {
    const c = await this.get(id);
    const now = this.deps.clock.now();
    const [counts, measures, state] = await Promise.all([
      this.deps.campaigns.counts(id, now), this.deps.campaigns.measures(id), this.deps.campaigns.runnerState(id),
    ]);
    return { campaign: c, stats: campaignStats(c.status, c.ratePerHour, c.progress, counts, measures, state.samples, now) };
  }

  private async act(id: string, action: CampaignAction, reason: string | null): Promise<Campaign> {
    const cur = await this.get(id);
    const to = campaignTransition(cur.status, action);
    const res = await this.deps.campaigns.transition(id, cur.status, to, this.deps.clock.now(), { reason });
    if (!res) return this.raced(id, action);
    this.deps.onChange?.();
    return res;
  }

  /** The status changed between the read and the write: report the move against the status it has now. */
  private async raced(id: string, action: CampaignAction): Promise<never> {
    const now = await this.get(id);
    campaignTransition(now.status, action);
    throw new AppError('CAMPAIGN_INVALID_TRANSITION', `status: the campaign changed to ${now.status} meanwhile; try again`, { field: 'status' });
  }

  /** Validate a create (or a draft's merged update) into settings; errors name the field. */
  private async settings(b: CreateCampaign, cur: Campaign | null): Promise<CampaignSettings> {
    const t = await this.deps.templates.current(b.template_id);
    if (!t) throw new AppError('TEMPLATE_NOT_FOUND', `template_id: no template "${b.template_id}"`, { field: 'template_id' });
    const audience = await this.audience(b.audience);
    if (b.sender_pool && this.deps.pools && !(await this.deps.pools.getPool(b.sender_pool))) {
      throw new AppError('POOL_NOT_FOUND', `sender_pool: no sender pool "${b.sender_pool}"`, { field: 'sender_pool' });
    }
    if (b.from) {
      const f = parseMailbox(b.from);
      if (typeof f === 'string') throw invalid('from', f);
    }
    let scheduledAt: number | null = null;
    if (b.scheduled_at) {
      scheduledAt = Date.parse(b.scheduled_at);
      if (scheduledAt - this.deps.clock.now() > MAX_SCHEDULE_MS) throw invalid('scheduled_at', 'must be within a year from now');
    }
    if (b.name.trim() === '') throw invalid('name', 'must not be blank');
    return {
      name: b.name.trim(),
      templateId: b.template_id,
      audience,
      senderPool: b.sender_pool ?? null,
      from: b.from ?? null,
      ratePerHour: b.rate_limit_per_hour ?? cur?.ratePerHour ?? CAMPAIGN_DEFAULTS.ratePerHour,
      concurrency: b.concurrency ?? cur?.concurrency ?? CAMPAIGN_DEFAULTS.concurrency,
      scheduledAt,
      window: parseWindow(b.sending_window ?? null),
      bouncePauseRate: b.auto_pause_bounce_rate === undefined ? CAMPAIGN_DEFAULTS.bouncePauseRate : b.auto_pause_bounce_rate,
      bouncePauseMin: b.auto_pause_min_sends ?? CAMPAIGN_DEFAULTS.bouncePauseMin,
    };
  }

  private async audience(a: CreateCampaign['audience']): Promise<CampaignAudience> {
    const given = (['segment_id', 'rule', 'tags'] as const).filter((k) => a[k] !== undefined);
    if (given.length !== 1) throw invalid('audience', `give exactly one of segment_id, rule or tags${given.length ? ` (got ${given.join(', ')})` : ''}`);
    if (a.segment_id !== undefined) {
      if (!(await this.deps.segments.getSegment(a.segment_id))) throw new AppError('SEGMENT_NOT_FOUND', `audience.segment_id: no segment "${a.segment_id}"`, { field: 'audience.segment_id' });
      return { segmentId: a.segment_id };
    }
    if (a.tags !== undefined) {
      a.tags.forEach((tag, i) => {
        const p = tagProblem(tag);
        if (p) throw invalid(`audience.tags[${i}]`, p);
      });
      return { tags: [...new Set(a.tags)] };
    }
    parseRule(a.rule, 'audience.rule');
    return { rule: a.rule };
  }

  /** The rule the audience is read with, frozen at start; null for tags. */
  private async resolveRule(a: CampaignAudience): Promise<unknown> {
    if ('tags' in a) return null;
    if ('rule' in a) return a.rule;
    const s = await this.deps.segments.getSegment(a.segmentId);
    if (!s) throw new AppError('SEGMENT_NOT_FOUND', `audience.segment_id: segment "${a.segmentId}" was deleted`, { field: 'audience.segment_id' });
    return s.rule;
  }
}

function parseWindow(w: WindowBody | null): SendingWindow | null {
  if (!w) return null;
  const window: SendingWindow = { days: [...new Set(w.days)].sort((x, y) => x - y), start: w.start, end: w.end, timeZone: w.time_zone };
  const p = windowProblem(window);
  if (p) {
    const [field, ...rest] = p.split(': ');
    throw invalid(`sending_window.${field === 'timeZone' ? 'time_zone' : field}`, rest.join(': '));
  }
  return window;
}

/** A campaign's settings in the API's words (for a merge or a duplicate). */
function toBody(c: Campaign): CreateCampaign {
  const a = c.audience;
  return {
    name: c.name,
    template_id: c.templateId,
    audience: 'tags' in a ? { tags: a.tags } : 'rule' in a ? { rule: a.rule } : { segment_id: a.segmentId },
    sender_pool: c.senderPool,
    from: c.from,
    rate_limit_per_hour: c.ratePerHour,
    concurrency: c.concurrency,
    scheduled_at: c.scheduledAt === null ? null : new Date(c.scheduledAt).toISOString(),
    sending_window: c.window ? { days: c.window.days, start: c.window.start, end: c.window.end, time_zone: c.window.timeZone } : null,
    auto_pause_bounce_rate: c.bouncePauseRate,
    auto_pause_min_sends: c.bouncePauseMin,
  };
}
