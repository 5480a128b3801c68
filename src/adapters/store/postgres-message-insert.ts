import { sql } from 'kysely';
import type { NewMessage } from '../../ports/store.js';
import type { Db } from './sql-context.js';
import { QUEUE_WAITING } from './rows.js';

/** What a campaign's held messages add to the row (campaign-run-queries.ts). */
export interface HeldMessages {
  campaignId: string;
  /** The contact of each message, in the same order. */
  contactIds: string[];
}

/**
 * PostgreSQL: new messages as one INSERT … SELECT FROM unnest(one array per varying column), instead of a multi-row
 * VALUES with a parameter per column and row (500 rows × 36 parameters: a statement PostgreSQL parses anew each time
 * and pg encodes parameter by parameter; bench/RESULTS.md, session 3). The row is messageToRow's — constants as
 * literals, the rest NULL (test/contract/insert-row-contract.ts compares the two column by column) — or, for a
 * campaign's `held` messages, the same row out of the queue (queue_state NULL) with its campaign and contact.
 * Conflicts (an idempotency key already stored, or repeated in `chunk`) insert nothing; returns the ids inserted.
 */
export async function insertMessagesPostgres(trx: Db, chunk: NewMessage[], held?: HeldMessages): Promise<Array<{ id: string }>> {
  const col = <T>(f: (m: NewMessage) => T): T[] => chunk.map(f);
  const extraCols = held ? sql`, campaign_id, contact_id` : sql``;
  const extraVals = held ? sql`, ${held.campaignId}::text, v.contact_id` : sql``;
  const extraArrays = held ? sql`, ${held.contactIds}::text[]` : sql``;
  const rows = await sql<{ id: string }>`
    INSERT INTO messages (id, priority, due_at, max_attempts, to_address, to_name, to_domain, from_address, from_name, reply_to,
      template_id, template_version, subject, html, text, variables, headers, tags, idempotency_key, api_key_id, created_at, updated_at,
      sender_pool, status, queue_state, attempts${extraCols})
    SELECT v.id, v.priority, v.due_at, v.max_attempts, v.to_address, v.to_name, v.to_domain, v.from_address, v.from_name, v.reply_to,
      v.template_id, v.template_version, v.subject, v.html, v.text, v.variables, v.headers, v.tags, v.idempotency_key, v.api_key_id,
      v.created_at, v.updated_at, v.sender_pool, 'queued', ${held ? sql`NULL::int` : sql.lit(QUEUE_WAITING)}, 0${extraVals}
    FROM unnest(
      ${col((m) => m.id)}::text[], ${col((m) => m.priority)}::int[], ${col((m) => m.dueAt)}::bigint[], ${col((m) => m.maxAttempts)}::int[],
      ${col((m) => m.toAddress)}::text[], ${col((m) => m.toName)}::text[], ${col((m) => m.toDomain)}::text[], ${col((m) => m.fromAddress)}::text[],
      ${col((m) => m.fromName)}::text[], ${col((m) => m.replyTo)}::text[], ${col((m) => m.templateId)}::text[], ${col((m) => m.templateVersion)}::int[],
      ${col((m) => m.subject)}::text[], ${col((m) => m.html)}::text[], ${col((m) => m.text)}::text[], ${col((m) => JSON.stringify(m.variables))}::text[],
      ${col((m) => JSON.stringify(m.headers))}::text[], ${col((m) => JSON.stringify(m.tags))}::text[], ${col((m) => m.idempotencyKey)}::text[],
      ${col((m) => m.apiKeyId)}::text[], ${col((m) => m.createdAt)}::bigint[], ${col((m) => m.createdAt)}::bigint[], ${col((m) => m.senderPool ?? null)}::text[]${extraArrays}
    ) AS v(id, priority, due_at, max_attempts, to_address, to_name, to_domain, from_address, from_name, reply_to, template_id, template_version,
      subject, html, text, variables, headers, tags, idempotency_key, api_key_id, created_at, updated_at, sender_pool${held ? sql`, contact_id` : sql``})
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(trx);
  return rows.rows;
}
