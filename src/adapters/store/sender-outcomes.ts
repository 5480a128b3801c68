import { sql, type Updateable } from 'kysely';
import { DAY_MS, minuteOf, nextFreeAt } from '../../domain/rolling-quota.js';
import { effectiveState, type SenderState } from '../../domain/sender.js';
import { signalApplies, stateAfterSignal, type SignalKind } from '../../domain/sender-signals.js';
import type { SenderReport } from '../../ports/sender-store.js';
import type { SendersTable } from './schema.js';
import type { Db } from './sql-context.js';
import { lockSenders, type LockMode } from './sender-reservation.js';

/**
 * Record a batch's outcomes (see SenderStore.recordOutcomes) in one transaction: successful sends per minute
 * bucket (they feed the measured rate), last errors, and the states that signals call for — `exhausted` and
 * `rate` on the sender, `account_rate` on every sender of its service account, a refused login as `error`.
 * A person's pause is never overridden.
 */
export async function recordOutcomesInTx(trx: Db, dialect: LockMode, reports: SenderReport[], now: number, random: () => number): Promise<void> {
  if (reports.length === 0) return;
  const ids = new Set(reports.map((r) => r.senderId));
  const accountSignals = reports.filter((r) => r.signal?.kind === 'account_rate').map((r) => r.senderId);
  if (accountSignals.length > 0) {
    const owners = await trx.selectFrom('senders').select('service_account_id').where('id', 'in', accountSignals).where('service_account_id', 'is not', null).execute();
    const accounts = [...new Set(owners.map((o) => o.service_account_id!))];
    if (accounts.length > 0) for (const s of await trx.selectFrom('senders').select('id').where('service_account_id', 'in', accounts).execute()) ids.add(s.id);
  }
  const rows = await lockSenders(trx, dialect, [...ids], now);
  const changes = new Map<string, Updateable<SendersTable>>();
  const change = (id: string): Updateable<SendersTable> => {
    let c = changes.get(id);
    if (!c) changes.set(id, (c = {}));
    return c;
  };
  const strikes = new Map([...rows.values()].map((r) => [r.id, Number(r.strikes)]));
  const state = (id: string): SenderState => {
    const r = rows.get(id)!;
    const c = changes.get(id);
    const s = (c?.state as SenderState | undefined) ?? (r.state as SenderState);
    return effectiveState(s, c?.state_until !== undefined ? (c.state_until as number | null) : r.state_until === null ? null : Number(r.state_until), now).state;
  };
  const untilOf = (id: string): number | null => {
    const c = changes.get(id);
    if (c?.state_until !== undefined) return c.state_until as number | null;
    const r = rows.get(id)!;
    return r.state_until === null ? null : Number(r.state_until);
  };
  const signal = async (id: string, kind: SignalKind, retryAt: number | undefined): Promise<void> => {
    if (!rows.has(id) || !signalApplies(state(id))) return;
    let free: number | null = null;
    if (kind === 'exhausted') {
      // Treat the sender as at its limit: it frees when its oldest counted send leaves the window.
      const buckets = (await trx.selectFrom('sender_usage').select(['minute', 'reserved']).where('sender_id', '=', id).where('minute', '>=', minuteOf(now - DAY_MS)).execute())
        .map((b) => ({ minute: Number(b.minute), count: Number(b.reserved) }));
      const used = buckets.reduce((n, b) => n + b.count, 0);
      free = used > 0 ? nextFreeAt(buckets, used, now) : null;
    }
    const next = stateAfterSignal(kind, { now, retryAt, quotaFreeAt: free, strikes: strikes.get(id) ?? 0, random: random() });
    // Never bring a sender back sooner than it already is out (an exhausted user told "slow down" stays exhausted).
    const cur = state(id);
    if (cur !== 'active' && (untilOf(id) ?? 0) >= next.until) return;
    strikes.set(id, next.strikes);
    Object.assign(change(id), { state: next.state, state_until: next.until, state_source: next.source, state_reason: `${kind === 'exhausted' ? 'sending limit reached' : 'slowed down'} (provider)`, strikes: next.strikes, updated_at: now });
  };

  const slowed = new Set<string>();
  for (const rep of reports) {
    const row = rows.get(rep.senderId);
    if (!row) continue; // deleted meanwhile
    if (rep.sent > 0) {
      await trx.insertInto('sender_usage').values({ sender_id: rep.senderId, minute: minuteOf(now), reserved: 0, sent: rep.sent })
        .onConflict((oc) => oc.columns(['sender_id', 'minute']).doUpdateSet({ sent: sql`sender_usage.sent + excluded.sent` }))
        .execute();
      Object.assign(change(rep.senderId), { last_sent_at: now, strikes: 0 });
      strikes.set(rep.senderId, 0);
    }
    if (rep.lastError) Object.assign(change(rep.senderId), { last_error: rep.lastError.slice(0, 1000), last_error_at: now });
    if (rep.authFailed && state(rep.senderId) !== 'paused') {
      Object.assign(change(rep.senderId), { state: 'error', state_until: null, state_source: 'auth', state_reason: (rep.lastError ?? 'credentials refused').slice(0, 500), updated_at: now });
    } else if (rep.signal?.kind === 'account_rate' && row.service_account_id !== null) {
      // Several senders of one account told at once slow the account once.
      if (slowed.has(row.service_account_id)) continue;
      slowed.add(row.service_account_id);
      for (const r of rows.values()) if (r.service_account_id === row.service_account_id) await signal(r.id, 'account_rate', rep.signal.retryAt);
    } else if (rep.signal) {
      await signal(rep.senderId, rep.signal.kind === 'account_rate' ? 'rate' : rep.signal.kind, rep.signal.retryAt);
    }
  }
  for (const [id, c] of changes) await trx.updateTable('senders').set(c).where('id', '=', id).execute();
}
