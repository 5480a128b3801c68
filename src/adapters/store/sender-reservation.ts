import { sql, type Selectable } from 'kysely';
import { allocate, placeHeld, type AllocSender } from '../../domain/sender-allocation.js';
import type { RotationStrategy } from '../../domain/rotation.js';
import { DAY_MS, minuteOf, nextFreeAt } from '../../domain/rolling-quota.js';
import { ACCOUNT_SEND_INTERVAL_MS, effectiveDailyLimit, effectiveState, sendIntervalMs } from '../../domain/sender.js';
import type { Assignment, ReservationRequest, ReservationResult, SenderRecord } from '../../ports/sender-store.js';
import type { SendersTable } from './schema.js';
import type { Db } from './sql-context.js';
import { rowToSender } from './sender-rows.js';

/** Lock rows on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the only write lock). */
export type LockMode = 'postgres' | 'sqlite';

/**
 * Lock and return a set of sender rows in id order (one order for every transaction, so two never deadlock),
 * after sliding each one's rolling window to `now`: minute buckets that left the window are subtracted from
 * the running sum and deleted.
 */
export async function lockSenders(trx: Db, dialect: LockMode, ids: string[], now: number): Promise<Map<string, Selectable<SendersTable>>> {
  if (ids.length === 0) return new Map();
  let q = trx.selectFrom('senders').selectAll().where('id', 'in', ids).orderBy('id');
  if (dialect === 'postgres') q = q.forUpdate();
  const rows = await q.execute();
  const first = minuteOf(now - DAY_MS);
  const stale = rows.filter((r) => Number(r.window_start_minute) < first).map((r) => r.id);
  if (stale.length > 0) {
    const expired = await trx.selectFrom('sender_usage').select(['sender_id', (eb) => eb.fn.sum<number>('reserved').as('n')])
      .where('sender_id', 'in', stale).where('minute', '<', first).groupBy('sender_id').execute();
    const gone = new Map(expired.map((e) => [e.sender_id, Number(e.n)]));
    await trx.deleteFrom('sender_usage').where('sender_id', 'in', stale).where('minute', '<', first).execute();
    const staleSet = new Set(stale);
    const slid: SenderCounters[] = [];
    for (const r of rows) {
      if (!staleSet.has(r.id)) continue;
      r.used_24h = Math.max(0, Number(r.used_24h) - (gone.get(r.id) ?? 0));
      r.window_start_minute = first;
      slid.push({ id: r.id, used_24h: r.used_24h, window_start_minute: first });
    }
    await updateSenders(trx, slid);
  }
  return new Map(rows.map((r) => [r.id, r]));
}

/** New values of a sender's counters (every row of one call sets the same columns). */
type SenderCounters = { id: string } & Partial<Record<'used_24h' | 'window_start_minute' | 'next_send_at', number>>;

/** Write counters of many senders in one statement per 500 (UPDATE … SET col = CASE id WHEN … END), not one each. */
async function updateSenders(trx: Db, rows: SenderCounters[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const cols = Object.keys(chunk[0]!).filter((k) => k !== 'id') as Array<Exclude<keyof SenderCounters, 'id'>>;
    const set: Record<string, unknown> = {};
    // The casts let PostgreSQL type the parameters (a bare CASE of parameters would be text).
    for (const c of cols) set[c] = sql`CASE id ${sql.join(chunk.map((r) => sql`WHEN ${r.id} THEN CAST(${r[c]} AS BIGINT)`), sql` `)} END`;
    await trx.updateTable('senders').set(set as never).where('id', 'in', chunk.map((r) => r.id)).execute();
  }
}

/** When a sender at or over its limit may send once more, from its minute buckets (null if never). */
export async function quotaFreeAt(trx: Db, senderId: string, limit: number, now: number): Promise<number | null> {
  const buckets = await trx.selectFrom('sender_usage').select(['minute', 'reserved']).where('sender_id', '=', senderId)
    .where('minute', '>=', minuteOf(now - DAY_MS)).execute();
  return nextFreeAt(buckets.map((b) => ({ minute: Number(b.minute), count: Number(b.reserved) })), limit, now);
}

/**
 * The reservation transaction (see SenderStore.reserve): lock the pool, its senders and their accounts; keep the
 * held slots still good; allocate the rest (domain/sender-allocation); write the counts, the rate times, the
 * round-robin cursor, the quota exhaustions and each message's sender and slot — all before the locks go.
 */
export async function reserveInTx(trx: Db, dialect: LockMode, req: ReservationRequest): Promise<ReservationResult> {
  const { now } = req;
  let pq = trx.selectFrom('pools').selectAll().where('id', '=', req.poolId);
  if (dialect === 'postgres') pq = pq.forUpdate();
  const pool = await pq.executeTakeFirst();
  if (!pool) return { found: false, assignments: new Map(), senders: new Map() };

  const members = await trx.selectFrom('pool_members').selectAll().where('pool_id', '=', req.poolId).execute();
  const weights = new Map<string, number>();
  const direct = members.filter((m) => m.sender_id !== null);
  const accountIds = members.filter((m) => m.service_account_id !== null).map((m) => m.service_account_id!);
  const viaAccounts = accountIds.length === 0 ? [] : await trx.selectFrom('senders').select(['id', 'service_account_id']).where('service_account_id', 'in', accountIds).execute();
  const accountWeight = new Map(members.filter((m) => m.service_account_id !== null).map((m) => [m.service_account_id!, Number(m.weight)]));
  for (const s of viaAccounts) weights.set(s.id, accountWeight.get(s.service_account_id!) ?? 1);
  for (const m of direct) weights.set(m.sender_id!, Number(m.weight));
  const rows = await lockSenders(trx, dialect, [...weights.keys()], now);

  const saIds = [...new Set([...rows.values()].map((r) => r.service_account_id).filter((a): a is string => a !== null))].sort();
  let aq = trx.selectFrom('service_accounts').select(['id', 'next_send_at']).where('id', 'in', saIds.length ? saIds : ['']).orderBy('id');
  if (dialect === 'postgres') aq = aq.forUpdate();
  const accounts = saIds.length ? await aq.execute() : [];

  const records = new Map<string, SenderRecord>();
  const alloc: AllocSender[] = [];
  for (const r of rows.values()) {
    let rec = rowToSender(r);
    const eff = effectiveState(rec.state, rec.stateUntil, now);
    if (eff.state !== rec.state) {
      // A cool-down or exhaustion whose time has passed: the sender is active again, and says so.
      await trx.updateTable('senders').set({ state: 'active', state_until: null, state_reason: null, state_source: null, updated_at: now }).where('id', '=', rec.id).execute();
      rec = { ...rec, state: 'active', stateUntil: null, stateReason: null, stateSource: null, updatedAt: now };
    }
    records.set(rec.id, rec);
    const limit = effectiveDailyLimit(rec, now);
    const used = Number(r.used_24h);
    alloc.push({
      id: rec.id, accountId: rec.serviceAccountId, state: eff.state, stateUntil: eff.until, limit, used,
      quotaFreeAt: limit !== null && used >= limit && eff.state === 'active' ? await quotaFreeAt(trx, rec.id, limit, now) : null,
      nextSendAt: Number(r.next_send_at), intervalMs: sendIntervalMs(rec.perSecond, rec.perMinute), window: rec.window,
      weight: weights.get(rec.id) ?? 1, maxInFlight: rec.maxInFlight, inFlight: req.inFlight.get(rec.id) ?? 0,
    });
  }

  const byId = new Map(alloc.map((a) => [a.id, a]));
  const assignments = new Map<string, Assignment>();
  const accountsAlloc = accounts.map((a) => ({ id: a.id, nextSendAt: Number(a.next_send_at), intervalMs: ACCOUNT_SEND_INTERVAL_MS }));
  const deltas = new Map<string, Map<number, number>>();
  const touched = new Set<string>();
  const fresh: string[] = [];
  for (const h of req.held) {
    const s = byId.get(h.senderId);
    const rec = records.get(h.senderId);
    const usable = s !== undefined && (s.state === 'active' || (s.state === 'exhausted' && rec?.stateSource === 'quota'));
    const out = placeHeld(s, accountsAlloc.find((a) => a.id === s?.accountId), h.slot, now, usable);
    if (s) touched.add(s.id);
    for (const [minute, d] of out.bucketDeltas) {
      const m = deltas.get(h.senderId) ?? new Map<number, number>();
      m.set(minute, (m.get(minute) ?? 0) + d);
      deltas.set(h.senderId, m);
    }
    if (out.placement) assignments.set(h.messageId, out.placement);
    else fresh.push(h.messageId);
  }
  // A slot is used once: kept, moved or given back, it is no longer held (a moved one is written again below).
  if (req.held.length > 0) await trx.updateTable('messages').set({ sender_slot: null }).where('id', 'in', req.held.map((h) => h.messageId)).execute();
  fresh.push(...req.fresh);

  const plan = allocate({
    strategy: pool.strategy as RotationStrategy, senders: alloc, now, horizonMs: req.horizonMs, count: fresh.length, random: req.random, cursor: pool.cursor,
    accounts: accountsAlloc,
  });
  fresh.forEach((id, i) => assignments.set(id, plan.placements[i]!));

  const usage: Array<{ sender_id: string; minute: number; reserved: number; sent: number }> = [];
  const counters: SenderCounters[] = [];
  for (const id of new Set([...plan.senders.keys(), ...touched])) {
    const p = plan.senders.get(id);
    const a = byId.get(id)!;
    const buckets = new Map(deltas.get(id) ?? []);
    for (const [minute, n] of p?.buckets ?? []) buckets.set(minute, (buckets.get(minute) ?? 0) + n);
    for (const [minute, n] of buckets) if (n !== 0) usage.push({ sender_id: id, minute, reserved: n, sent: 0 });
    counters.push({ id, used_24h: p?.used ?? a.used, next_send_at: p?.nextSendAt ?? a.nextSendAt });
  }
  for (let i = 0; i < usage.length; i += 500) {
    await trx.insertInto('sender_usage').values(usage.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['sender_id', 'minute']).doUpdateSet({ reserved: sql`sender_usage.reserved + excluded.reserved` }))
      .execute();
  }
  await updateSenders(trx, counters);
  let freed: number | null = null;
  for (const id of plan.exhausted) {
    const rec = records.get(id)!;
    const limit = effectiveDailyLimit(rec, now)!;
    const until = (await quotaFreeAt(trx, id, limit, now)) ?? now + DAY_MS;
    freed = freed === null ? until : Math.min(freed, until);
    const reason = `daily limit of ${limit} reached (rolling 24 h)`;
    await trx.updateTable('senders').set({ state: 'exhausted', state_until: until, state_reason: reason, state_source: 'quota', updated_at: now }).where('id', '=', id).where('state', '=', 'active').execute();
    if (rec.state === 'active') records.set(id, { ...rec, state: 'exhausted', stateUntil: until, stateReason: reason, stateSource: 'quota' });
  }
  // Senders this plan exhausted free up too: messages left over wait for the first of them as well.
  if (freed !== null) {
    for (const [id, a] of assignments) {
      if (a.senderId === null && (a.retryAt === null || freed < a.retryAt)) assignments.set(id, { senderId: null, retryAt: freed });
    }
  }
  for (const a of accountsAlloc) {
    const next = plan.accounts.get(a.id) ?? a.nextSendAt;
    if (next !== Number(accounts.find((x) => x.id === a.id)!.next_send_at)) await trx.updateTable('service_accounts').set({ next_send_at: next }).where('id', '=', a.id).execute();
  }
  if (plan.cursor !== pool.cursor) await trx.updateTable('pools').set({ cursor: plan.cursor }).where('id', '=', pool.id).execute();

  // Record on each message the sender that took it, and the slot it now holds when it waits for one: one UPDATE
  // per 500 messages (CASE by id), whatever the number of senders.
  const placed = [...assignments].flatMap(([id, a]) => (a.senderId === null ? [] : [{ id, sender: a.senderId, slot: a.sendAt > now ? a.sendAt : null }]));
  for (let i = 0; i < placed.length; i += 500) {
    const chunk = placed.slice(i, i + 500);
    await trx.updateTable('messages').set({
      sender_id: sql`CASE id ${sql.join(chunk.map((p) => sql`WHEN ${p.id} THEN ${p.sender}`), sql` `)} END`,
      sender_slot: sql`CASE id ${sql.join(chunk.map((p) => sql`WHEN ${p.id} THEN CAST(${p.slot} AS BIGINT)`), sql` `)} END`,
    } as never).where('id', 'in', chunk.map((p) => p.id)).execute();
  }
  return { found: true, assignments, senders: records };
}
