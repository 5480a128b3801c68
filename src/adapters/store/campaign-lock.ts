import type { Selectable } from 'kysely';
import type { CampaignsTable } from './schema.js';
import type { Db } from './sql-context.js';

/**
 * Read a campaign row inside a write transaction, locking it on PostgreSQL (FOR UPDATE) so that a person's pause
 * or cancel and the runner's batch on the same campaign are serialised; SQLite's write transaction already holds
 * the only write lock (and its compiler would emit FOR UPDATE, which SQLite refuses).
 */
export async function lockCampaign(trx: Db, dialect: 'sqlite' | 'postgres', id: string): Promise<Selectable<CampaignsTable> | undefined> {
  let q = trx.selectFrom('campaigns').selectAll().where('id', '=', id);
  if (dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}
