import { AppError } from '../../domain/errors.js';
import { DAY_MS, minuteOf } from '../../domain/rolling-quota.js';
import type { SenderLimits, SenderState, StateSource } from '../../domain/sender.js';
import type {
  DirectoryEntry, PoolRecord, ReservationRequest, ReservationResult, SenderPatch, SenderRecord, SenderReport, SenderStore,
  SenderUsage, ServiceAccountRecord, SyncCounts,
} from '../../ports/sender-store.js';
import type { SqlContext } from './sql-context.js';
import { memberRows, patchToColumns, rowToPool, rowToSender, rowToServiceAccount, senderToRow } from './sender-rows.js';
import { reserveInTx } from './sender-reservation.js';
import { recordOutcomesInTx } from './sender-outcomes.js';
import { applyDirectoryInTx } from './sender-directory.js';
import { QUEUE_WAITING } from './rows.js';

// Unique-key violations, as each driver words them.
const isConflict = (err: unknown): boolean => /UNIQUE constraint failed|duplicate key value/.test((err as Error).message ?? '');

/**
 * The SenderStore on the same database as the Store (SQLite or PostgreSQL), built on its SqlContext so its
 * writes share the store's write serialisation. Quota is only ever taken inside `reserve` (sender-reservation.ts).
 */
export class SqlSenderStore implements SenderStore {
  constructor(private readonly ctx: SqlContext) {}

  async createSender(s: SenderRecord): Promise<void> {
    try {
      await this.ctx.writeTx((trx) => trx.insertInto('senders').values(senderToRow(s)).execute());
    } catch (err) {
      if (isConflict(err)) throw new AppError('SENDER_EXISTS', `id: a sender "${s.id}" already exists`, { field: 'id' });
      throw err;
    }
  }

  async updateSender(id: string, patch: SenderPatch, now: number): Promise<SenderRecord | null> {
    return this.ctx.writeTx(async (trx) => {
      const cols = patchToColumns(patch);
      const res = await trx.updateTable('senders').set({ ...cols, updated_at: now }).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return null;
      const row = await trx.selectFrom('senders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return rowToSender(row);
    });
  }

  async getSender(id: string): Promise<SenderRecord | null> {
    const row = await this.ctx.db.selectFrom('senders').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToSender(row) : null;
  }

  async listSenders(q: { serviceAccountId?: string; ids?: string[] } = {}): Promise<SenderRecord[]> {
    if (q.ids && q.ids.length === 0) return [];
    let query = this.ctx.db.selectFrom('senders').selectAll();
    if (q.serviceAccountId) query = query.where('service_account_id', '=', q.serviceAccountId);
    if (q.ids) query = query.where('id', 'in', q.ids);
    return (await query.orderBy('id').execute()).map(rowToSender);
  }

  async deleteSender(id: string): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      const res = await trx.deleteFrom('senders').where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('sender_usage').where('sender_id', '=', id).execute();
      await trx.deleteFrom('pool_members').where('sender_id', '=', id).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async setState(ids: string[], state: SenderState, change: { until: number | null; reason: string | null; source: StateSource | null }, now: number): Promise<SenderRecord[]> {
    if (ids.length === 0) return [];
    return this.ctx.writeTx(async (trx) => {
      await trx.updateTable('senders')
        .set({ state, state_until: change.until, state_reason: change.reason, state_source: change.source, updated_at: now, ...(state === 'active' ? { strikes: 0 } : {}) })
        .where('id', 'in', ids).execute();
      return (await trx.selectFrom('senders').selectAll().where('id', 'in', ids).orderBy('id').execute()).map(rowToSender);
    });
  }

  async usage(ids: string[], now: number): Promise<Map<string, SenderUsage>> {
    const out = new Map<string, SenderUsage>(ids.map((id) => [id, { used: 0, sent: 0, recent: [] }]));
    if (ids.length === 0) return out;
    const first = minuteOf(now - DAY_MS);
    const hour = minuteOf(now - 3600_000);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.ctx.db.selectFrom('sender_usage').select(['sender_id', 'minute', 'reserved', 'sent'])
        .where('sender_id', 'in', ids.slice(i, i + 500)).where('minute', '>=', first).where('minute', '<=', minuteOf(now) + 60 * 24).execute();
      for (const r of rows) {
        const u = out.get(r.sender_id)!;
        u.used += Number(r.reserved);
        u.sent += Number(r.sent);
        if (Number(r.minute) >= hour && Number(r.sent) > 0) u.recent.push({ minute: Number(r.minute), sent: Number(r.sent) });
      }
    }
    return out;
  }

  async createServiceAccount(a: ServiceAccountRecord): Promise<void> {
    try {
      await this.ctx.writeTx((trx) => trx.insertInto('service_accounts').values({
        id: a.id, client_email: a.clientEmail, project_id: a.projectId, key_id: a.keyId, admin_email: a.adminEmail,
        account_type: a.accountType, sealed_key: a.sealedKey, next_send_at: 0, sync_lease_until: null,
        last_sync_at: a.lastSyncAt, last_sync_error: a.lastSyncError, synced_users: a.syncedUsers, created_at: a.createdAt, updated_at: a.updatedAt,
      }).execute());
    } catch (err) {
      if (isConflict(err)) throw new AppError('SERVICE_ACCOUNT_EXISTS', `key.client_email: the service account ${a.clientEmail} is already registered`, { field: 'key.client_email' });
      throw err;
    }
  }

  async getServiceAccount(id: string): Promise<ServiceAccountRecord | null> {
    const row = await this.ctx.db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToServiceAccount(row) : null;
  }

  async listServiceAccounts(): Promise<ServiceAccountRecord[]> {
    return (await this.ctx.db.selectFrom('service_accounts').selectAll().orderBy('id').execute()).map(rowToServiceAccount);
  }

  async deleteServiceAccount(id: string): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      const res = await trx.deleteFrom('service_accounts').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      const senders = (await trx.selectFrom('senders').select('id').where('service_account_id', '=', id).execute()).map((s) => s.id);
      if (senders.length > 0) {
        await trx.deleteFrom('sender_usage').where('sender_id', 'in', senders).execute();
        await trx.deleteFrom('pool_members').where('sender_id', 'in', senders).execute();
        await trx.deleteFrom('senders').where('id', 'in', senders).execute();
      }
      await trx.deleteFrom('pool_members').where('service_account_id', '=', id).execute();
      return true;
    });
  }

  async claimSync(id: string, now: number, leaseMs: number): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      const res = await trx.updateTable('service_accounts').set({ sync_lease_until: now + leaseMs })
        .where('id', '=', id).where((eb) => eb.or([eb('sync_lease_until', 'is', null), eb('sync_lease_until', '<=', now)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  applyDirectory(id: string, users: DirectoryEntry[], defaults: SenderLimits, now: number): Promise<SyncCounts> {
    return this.ctx.writeTx((trx) => applyDirectoryInTx(trx, this.ctx.dialect, id, users, defaults, now));
  }

  async finishSync(id: string, now: number, error: string | null, users: number | null): Promise<void> {
    await this.ctx.writeTx((trx) => trx.updateTable('service_accounts')
      .set({ sync_lease_until: null, last_sync_at: now, last_sync_error: error, updated_at: now, ...(users !== null ? { synced_users: users } : {}) })
      .where('id', '=', id).execute());
  }

  async createPool(p: PoolRecord): Promise<void> {
    try {
      await this.ctx.writeTx(async (trx) => {
        await trx.insertInto('pools').values({ id: p.id, strategy: p.strategy, description: p.description, cursor: null, created_at: p.createdAt, updated_at: p.updatedAt }).execute();
        if (p.members.length > 0) await trx.insertInto('pool_members').values(memberRows(p.id, p.members)).execute();
      });
    } catch (err) {
      if (isConflict(err)) throw new AppError('POOL_EXISTS', `id: a pool "${p.id}" already exists`, { field: 'id' });
      throw err;
    }
  }

  async updatePool(id: string, patch: Partial<Pick<PoolRecord, 'strategy' | 'description' | 'members'>>, now: number): Promise<PoolRecord | null> {
    return this.ctx.writeTx(async (trx) => {
      const set: Record<string, unknown> = { updated_at: now };
      if (patch.strategy !== undefined) set.strategy = patch.strategy;
      if (patch.description !== undefined) set.description = patch.description;
      const res = await trx.updateTable('pools').set(set).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return null;
      if (patch.members !== undefined) {
        await trx.deleteFrom('pool_members').where('pool_id', '=', id).execute();
        if (patch.members.length > 0) await trx.insertInto('pool_members').values(memberRows(id, patch.members)).execute();
      }
      const pool = await trx.selectFrom('pools').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return rowToPool(pool, await trx.selectFrom('pool_members').selectAll().where('pool_id', '=', id).execute());
    });
  }

  async getPool(id: string): Promise<PoolRecord | null> {
    const pool = await this.ctx.db.selectFrom('pools').selectAll().where('id', '=', id).executeTakeFirst();
    if (!pool) return null;
    return rowToPool(pool, await this.ctx.db.selectFrom('pool_members').selectAll().where('pool_id', '=', id).execute());
  }

  async listPools(): Promise<PoolRecord[]> {
    const pools = await this.ctx.db.selectFrom('pools').selectAll().orderBy('id').execute();
    const members = await this.ctx.db.selectFrom('pool_members').selectAll().execute();
    return pools.map((p) => rowToPool(p, members.filter((m) => m.pool_id === p.id)));
  }

  async deletePool(id: string): Promise<boolean> {
    return this.ctx.writeTx(async (trx) => {
      const res = await trx.deleteFrom('pools').where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('pool_members').where('pool_id', '=', id).execute();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async poolSenders(id: string): Promise<SenderRecord[]> {
    const members = await this.ctx.db.selectFrom('pool_members').selectAll().where('pool_id', '=', id).execute();
    const senderIds = members.filter((m) => m.sender_id !== null).map((m) => m.sender_id!);
    const accountIds = members.filter((m) => m.service_account_id !== null).map((m) => m.service_account_id!);
    if (senderIds.length === 0 && accountIds.length === 0) return [];
    const rows = await this.ctx.db.selectFrom('senders').selectAll()
      .where((eb) => eb.or([
        ...(senderIds.length ? [eb('id', 'in', senderIds)] : []),
        ...(accountIds.length ? [eb('service_account_id', 'in', accountIds)] : []),
      ]))
      .orderBy('id').execute();
    return rows.map(rowToSender);
  }

  async poolWaiting(id: string): Promise<number> {
    const row = await this.ctx.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sender_pool', '=', id).where('queue_state', '=', QUEUE_WAITING).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async wakePools(senderId: string, now: number): Promise<number> {
    return this.ctx.writeTx(async (trx) => {
      const sender = await trx.selectFrom('senders').select(['id', 'service_account_id']).where('id', '=', senderId).executeTakeFirst();
      if (!sender) return 0;
      const pools = await trx.selectFrom('pool_members').select('pool_id').distinct()
        .where((eb) => eb.or([eb('sender_id', '=', senderId), ...(sender.service_account_id ? [eb('service_account_id', '=', sender.service_account_id)] : [])]))
        .execute();
      if (pools.length === 0) return 0;
      // Messages holding a slot keep it; the others were waiting for any sender to free up.
      const res = await trx.updateTable('messages').set({ due_at: now })
        .where('sender_pool', 'in', pools.map((p) => p.pool_id)).where('queue_state', '=', QUEUE_WAITING)
        .where('due_at', '>', now).where('sender_slot', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    });
  }

  reserve(req: ReservationRequest): Promise<ReservationResult> {
    return this.ctx.writeTx((trx) => reserveInTx(trx, this.ctx.dialect, req));
  }

  recordOutcomes(reports: SenderReport[], now: number, random: () => number): Promise<void> {
    if (reports.length === 0) return Promise.resolve();
    return this.ctx.writeTx((trx) => recordOutcomesInTx(trx, this.ctx.dialect, reports, now, random));
  }
}
