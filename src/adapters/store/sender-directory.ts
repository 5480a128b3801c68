import type { SenderLimits } from '../../domain/sender.js';
import type { DirectoryEntry, SyncCounts } from '../../ports/sender-store.js';
import type { Db } from './sql-context.js';
import { senderToRow } from './sender-rows.js';
import type { LockMode } from './sender-reservation.js';

/**
 * Directory sync's write (see SenderStore.applyDirectory): the account's existing senders are locked in id order
 * first (the order reservations use), then new active users are inserted — a user a concurrent sync already
 * inserted is left alone — and states follow the directory: inactive or vanished users paused by `directory`,
 * users active again resumed only when it was the directory that paused them (never over a person's pause).
 */
export async function applyDirectoryInTx(trx: Db, dialect: LockMode, accountId: string, users: DirectoryEntry[], defaults: SenderLimits, now: number): Promise<SyncCounts> {
  let q = trx.selectFrom('senders').selectAll().where('service_account_id', '=', accountId).orderBy('id');
  if (dialect === 'postgres') q = q.forUpdate();
  const existing = await q.execute();
  const byEmail = new Map(existing.map((s) => [s.email.toLowerCase(), s]));
  const counts: SyncCounts = { created: 0, paused: 0, resumed: 0, unchanged: 0 };
  const seen = new Set<string>();
  const pause = async (id: string, reason: string): Promise<void> => {
    await trx.updateTable('senders').set({ state: 'paused', state_until: null, state_reason: reason, state_source: 'directory', updated_at: now }).where('id', '=', id).execute();
    counts.paused++;
  };

  for (const u of users) {
    const email = u.email.toLowerCase();
    if (seen.has(email)) continue;
    seen.add(email);
    const s = byEmail.get(email);
    if (!s) {
      if (u.inactive !== null) continue;
      const res = await trx.insertInto('senders').values(senderToRow({
        id: u.id, kind: 'gmail', email, fromName: u.name, serviceAccountId: accountId, sealedSecret: null, settings: {}, ...defaults,
        state: 'active', stateUntil: null, stateReason: null, stateSource: null, strikes: 0,
        lastError: null, lastErrorAt: null, lastSentAt: null, createdAt: now, updatedAt: now,
      })).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) counts.created++;
      else counts.unchanged++;
      continue;
    }
    if (u.inactive !== null) {
      if (s.state !== 'paused') await pause(s.id, `directory: user ${u.inactive}`);
      else counts.unchanged++;
    } else if (s.state === 'paused' && s.state_source === 'directory') {
      await trx.updateTable('senders').set({ state: 'active', state_until: null, state_reason: null, state_source: null, updated_at: now }).where('id', '=', s.id).execute();
      counts.resumed++;
    } else {
      counts.unchanged++;
    }
    if (u.name !== null && u.name !== s.from_name) await trx.updateTable('senders').set({ from_name: u.name }).where('id', '=', s.id).execute();
  }
  for (const s of existing) {
    if (seen.has(s.email.toLowerCase()) || s.state === 'paused') continue;
    await pause(s.id, 'directory: user no longer listed');
  }
  return counts;
}
