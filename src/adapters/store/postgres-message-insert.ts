import { sql } from 'kysely';
import type { MessageColumns } from '../../ports/store.js';
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
 * Conflicts (an idempotency key already stored, or repeated in `c`) insert nothing; returns the ids inserted.
 */
export async function insertMessagesPostgres(trx: Db, c: MessageColumns, held?: HeldMessages): Promise<Array<{ id: string }>> {
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
      ${c.id}::text[], ${c.priority}::int[], ${c.dueAt}::bigint[], ${c.maxAttempts}::int[],
      ${c.toAddress}::text[], ${c.toName}::text[], ${c.toDomain}::text[], ${c.fromAddress}::text[],
      ${c.fromName}::text[], ${c.replyTo}::text[], ${c.templateId}::text[], ${c.templateVersion}::int[],
      ${c.subject}::text[], ${c.html}::text[], ${c.text}::text[], ${c.variables}::text[],
      ${c.headers}::text[], ${c.tags}::text[], ${c.idempotencyKey}::text[],
      ${c.apiKeyId}::text[], ${c.createdAt}::bigint[], ${c.createdAt}::bigint[], ${c.senderPool}::text[]${extraArrays}
    ) AS v(id, priority, due_at, max_attempts, to_address, to_name, to_domain, from_address, from_name, reply_to, template_id, template_version,
      subject, html, text, variables, headers, tags, idempotency_key, api_key_id, created_at, updated_at, sender_pool${held ? sql`, contact_id` : sql``})
    ON CONFLICT DO NOTHING
    RETURNING id`.execute(trx);
  return rows.rows;
}
