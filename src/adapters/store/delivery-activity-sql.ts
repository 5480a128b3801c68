import { sql } from 'kysely';
import { DELIVERY_ACTIVITY } from '../../domain/contact-activity.js';
import type { DeliveryResult } from '../../ports/store.js';
import type { Db } from './sql-context.js';

const FINAL = `(${DELIVERY_ACTIVITY.map((s) => `'${s}'`).join(', ')})`;

/**
 * Whether a recorded result writes contact activity: its message has a contact (the worker passes the claimed
 * message's contactId through) and it ended sent, bounced or failed. False for transactional mail, so the record
 * path runs no extra statement for it.
 */
export function writesActivity(r: DeliveryResult): boolean {
  return !!r.contactId && (r.status === 'sent' || r.status === 'bounced' || r.status === 'failed');
}

/**
 * SQLite, prepared once by the hot path: one set-based INSERT … SELECT per batch, the ids bound as one JSON array.
 * The row just recorded supplies the contact, the type (its status), the time (updated_at = the result's time)
 * and the campaign; a contact deleted meanwhile writes nothing (the foreign key is not enforced on SQLite).
 */
export const SQLITE_DELIVERY_ACTIVITY = `INSERT INTO contact_activity (contact_id, type, at, message_id, campaign_id)
  SELECT m.contact_id, m.status, m.updated_at, m.id, m.campaign_id FROM messages m
  WHERE m.id IN (SELECT value FROM json_each(?)) AND m.contact_id IS NOT NULL AND m.status IN ${FINAL}
    AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = m.contact_id)`;

/**
 * The same statement through Kysely, inside the record's transaction. On PostgreSQL the contact rows are read
 * FOR KEY SHARE: a contact deleted by a transaction that committed first is skipped instead of failing the foreign
 * key — which would roll back the whole record and, with it, the proof that these messages were sent.
 */
export async function writeDeliveryActivity(trx: Db, dialect: 'sqlite' | 'postgres', ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  if (dialect === 'sqlite') {
    const [head, tail] = SQLITE_DELIVERY_ACTIVITY.split('?') as [string, string];
    await sql`${sql.raw(head)}${JSON.stringify(ids)}${sql.raw(tail)}`.execute(trx);
    return;
  }
  await sql`INSERT INTO contact_activity (contact_id, type, at, message_id, campaign_id)
    SELECT m.contact_id, m.status, m.updated_at, m.id, m.campaign_id FROM messages m JOIN contacts c ON c.id = m.contact_id
    WHERE m.id = ANY(${ids}::text[]) AND m.status IN ${sql.raw(FINAL)}
    FOR KEY SHARE OF c`.execute(trx);
}
