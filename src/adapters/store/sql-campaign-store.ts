import type { Campaign, CampaignSettings, CampaignStatus } from '../../domain/campaign.js';
import type { CampaignCounts, CampaignMeasures, SentSample } from '../../domain/campaign-stats.js';
import type {
  CampaignStore, MaterialiseBatch, MaterialiseOutcome, PacingPatch, TransitionFields, UnsubscribeOutcome, UnsubscribeRecord,
} from '../../ports/campaign-store.js';
import type { CampaignsTable } from './schema.js';
import type { Db, SqlContext } from './sql-context.js';
import { campaignToRow, rowToCampaign, settingsToRow } from './campaign-rows.js';
import { lockCampaign } from './campaign-lock.js';
import { QUEUE_WAITING, eventRow } from './rows.js';
import * as run from './campaign-run-queries.js';
import { recordUnsubscribe } from './campaign-unsubscribe-sql.js';

// Rows per multi-row INSERT of events.
const CHUNK = 500;

/** The CampaignStore over SQL, for SQLite and PostgreSQL alike, on the SqlContext of the main store. */
export class SqlCampaignStore implements CampaignStore {
  constructor(private readonly ctx: SqlContext) {}

  async createCampaign(c: Campaign): Promise<Campaign> {
    const row = campaignToRow(c);
    await this.ctx.writeTx((trx) => trx.insertInto('campaigns').values(row).execute());
    return rowToCampaign(row);
  }

  async getCampaign(id: string): Promise<Campaign | null> {
    const row = await this.ctx.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToCampaign(row) : null;
  }

  async listCampaigns(q: { status?: CampaignStatus; before?: string; limit: number }): Promise<Campaign[]> {
    let query = this.ctx.db.selectFrom('campaigns').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    if (q.before) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(rowToCampaign);
  }

  async updateCampaign(id: string, settings: CampaignSettings, expect: CampaignStatus, now: number): Promise<Campaign | null> {
    return this.ctx.writeTx(async (trx) => {
      const row = await trx.updateTable('campaigns').set({ ...settingsToRow(settings), updated_at: now })
        .where('id', '=', id).where('status', '=', expect).returningAll().executeTakeFirst();
      return row ? rowToCampaign(row) : null;
    });
  }

  async updatePacing(id: string, patch: PacingPatch, now: number): Promise<Campaign | null> {
    return this.ctx.writeTx(async (trx) => {
      const cur = await lockCampaign(trx, this.ctx.dialect, id);
      if (!cur || cur.status === 'completed' || cur.status === 'cancelled') return null;
      const merged = { ...rowToCampaign(cur), ...patch };
      const s = settingsToRow(merged);
      const row = await trx.updateTable('campaigns')
        .set({ rate_per_hour: s.rate_per_hour, concurrency: s.concurrency, send_window: s.send_window, bounce_pause_bp: s.bounce_pause_bp, bounce_pause_min: s.bounce_pause_min, updated_at: now })
        .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return rowToCampaign(row);
    });
  }

  async deleteCampaign(id: string, expect: CampaignStatus): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      const res = await trx.deleteFrom('campaigns').where('id', '=', id).where('status', '=', expect).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async transition(id: string, from: CampaignStatus, to: CampaignStatus, now: number, fields: TransitionFields = {}): Promise<Campaign | null> {
    return this.ctx.writeTx(async (trx) => {
      const cur = await lockCampaign(trx, this.ctx.dialect, id);
      if (!cur || cur.status !== from) return null;
      if (to === 'completed' && (Number(cur.audience_done) !== 1 || (await run.unfinished(trx, id)) > 0)) return null;
      const set: Partial<CampaignsTable> = { status: to, status_reason: fields.reason ?? null, updated_at: now };
      if (to === 'completed' || to === 'cancelled') set.finished_at = now;
      if (fields.startedAt !== undefined) set.started_at = fields.startedAt;
      if (fields.templateVersion !== undefined) set.template_version = fields.templateVersion;
      if (fields.audienceRule !== undefined) set.audience_rule = fields.audienceRule === null ? null : JSON.stringify(fields.audienceRule);
      if (fields.targeted !== undefined) set.targeted = fields.targeted;
      if (to === 'paused') await run.holdWaiting(trx, id, now);
      if (to === 'cancelled') await this.cancelMessages(trx, id, now);
      const row = await trx.updateTable('campaigns').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return rowToCampaign(row);
    });
  }

  async leaseCampaigns(owner: string, now: number, leaseMs: number, limit: number): Promise<Campaign[]> {
    // Read first: when nothing runs, an idle runner takes no write lock.
    const any = await this.ctx.db.selectFrom('campaigns').select('id').where('status', 'in', ['running', 'scheduled']).limit(1).executeTakeFirst();
    if (!any) return [];
    return this.ctx.writeTx(async (trx) => {
      let pick = trx.selectFrom('campaigns').select('id')
        .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'scheduled'), eb('scheduled_at', '<=', now)])]))
        .where((eb) => eb.or([eb('runner_owner', 'is', null), eb('runner_owner', '=', owner), eb('runner_until', '<', now)]))
        .orderBy('id').limit(limit);
      if (this.ctx.dialect === 'postgres') pick = pick.forUpdate().skipLocked();
      const rows = await trx.updateTable('campaigns').set({ runner_owner: owner, runner_until: now + leaseMs })
        .where('id', 'in', pick).returningAll().execute();
      return rows.map(rowToCampaign).sort((a, b) => (a.id < b.id ? -1 : 1));
    });
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.ctx.writeTx((trx) => trx.updateTable('campaigns').set({ runner_owner: null, runner_until: null }).where('id', '=', id).where('runner_owner', '=', owner).execute());
  }

  materialise(batch: MaterialiseBatch): Promise<MaterialiseOutcome> {
    return this.ctx.writeTx((trx) => run.materialise(trx, this.ctx.dialect, batch));
  }

  releaseMessages(id: string, owner: string, count: number, now: number, tat: number): Promise<number> {
    if (count <= 0) return Promise.resolve(0);
    return this.ctx.writeTx((trx) => run.release(trx, this.ctx.dialect, id, owner, count, now, tat));
  }

  async holdPaused(now: number): Promise<number> {
    // Read first: a write transaction every tick would contend with the delivery hot path for nothing.
    if (!(await run.pausedWaiting(this.ctx.db))) return 0;
    return this.ctx.writeTx((trx) => run.holdPausedWaiting(trx, now));
  }

  counts(id: string, now: number): Promise<CampaignCounts> {
    return run.counts(this.ctx.db, id, now);
  }

  measures(id: string): Promise<CampaignMeasures> {
    return run.measures(this.ctx.db, id);
  }

  async runnerState(id: string): Promise<{ tat: number | null; samples: SentSample[] }> {
    const row = await this.ctx.db.selectFrom('campaigns').select(['rate_tat', 'samples']).where('id', '=', id).executeTakeFirst();
    if (!row) return { tat: null, samples: [] };
    return { tat: row.rate_tat === null ? null : Number(row.rate_tat), samples: JSON.parse(row.samples) as SentSample[] };
  }

  async saveSamples(id: string, samples: SentSample[]): Promise<void> {
    await this.ctx.writeTx((trx) => trx.updateTable('campaigns').set({ samples: JSON.stringify(samples) }).where('id', '=', id).execute());
  }

  recordUnsubscribe(u: UnsubscribeRecord): Promise<UnsubscribeOutcome> {
    return this.ctx.writeTx((trx) => recordUnsubscribe(trx, this.ctx.dialect, u));
  }

  /** Cancel every message of the campaign not yet being sent (held or waiting), with a `cancelled` event each. */
  private async cancelMessages(trx: Db, id: string, now: number): Promise<void> {
    const rows = await trx.updateTable('messages').set({ status: 'cancelled', queue_state: null, updated_at: now })
      .where('campaign_id', '=', id).where('status', 'in', ['queued', 'deferred'])
      .where((eb) => eb.or([eb('queue_state', 'is', null), eb('queue_state', '=', QUEUE_WAITING)]))
      .returning('id').execute();
    for (let i = 0; i < rows.length; i += CHUNK) {
      await trx.insertInto('message_events').values(rows.slice(i, i + CHUNK).map((r) => eventRow(r.id, 'cancelled', now, { reason: 'campaign cancelled' }))).execute();
    }
  }
}
