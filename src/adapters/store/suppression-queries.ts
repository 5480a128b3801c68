import type { Kysely, Transaction } from 'kysely';
import type { Suppression, SuppressionReason } from '../../ports/store.js';
import type { Database } from './schema.js';
import { rowToSuppression } from './rows.js';

type Db = Kysely<Database> | Transaction<Database>;
const CHUNK = 500;

/** Insert suppressions; an address already listed keeps its first entry. Returns how many were new. */
export async function addSuppressions(db: Db, rows: Suppression[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((r) => ({ address: r.address.toLowerCase(), reason: r.reason, detail: r.detail, message_id: r.messageId, created_at: r.createdAt }));
    const res = await db.insertInto('suppressions').values(values).onConflict((oc) => oc.column('address').doNothing()).returning('address').execute();
    added += res.length;
  }
  return added;
}

/** The suppressions among `addresses`, keyed by lower-cased address. */
export async function findSuppressions(db: Db, addresses: string[]): Promise<Map<string, Suppression>> {
  const out = new Map<string, Suppression>();
  const wanted = [...new Set(addresses.map((a) => a.toLowerCase()))];
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const rows = await db.selectFrom('suppressions').selectAll().where('address', 'in', wanted.slice(i, i + CHUNK)).execute();
    for (const r of rows) out.set(r.address, rowToSuppression(r));
  }
  return out;
}

/** Newest first, keyset-paged by (created_at, address). */
export async function listSuppressions(db: Db, q: { limit: number; reason?: SuppressionReason; before?: { createdAt: number; address: string } }): Promise<Suppression[]> {
  let query = db.selectFrom('suppressions').selectAll();
  if (q.reason) query = query.where('reason', '=', q.reason);
  const before = q.before;
  if (before) {
    query = query.where((eb) => eb.or([
      eb('created_at', '<', before.createdAt),
      eb.and([eb('created_at', '=', before.createdAt), eb('address', '<', before.address)]),
    ]));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('address', 'desc').limit(q.limit).execute();
  return rows.map(rowToSuppression);
}

/** Remove one address; false when it was not listed. */
export async function removeSuppression(db: Db, address: string): Promise<boolean> {
  const res = await db.deleteFrom('suppressions').where('address', '=', address.toLowerCase()).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
