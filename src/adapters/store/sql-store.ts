import { sql, type Kysely } from 'kysely';
import type {
  ApiKeyRecord, DeliveryResult, InsertResult, MessageColumns, MessageEvent, MessageQuery, MessageRecord, NewMessage,
  QueueDepth, Store, Suppression, SuppressionReason, TemplateRecord, TemplateVersion,
} from '../../ports/store.js';
import type { MessageStatus } from '../../domain/message-status.js';
import { AppError } from '../../domain/errors.js';
import type { Database, Migration } from './schema.js';
import type { Db, SqlContext } from './sql-context.js';
import * as suppressions from './suppression-queries.js';
import { resultDetail } from './result-detail.js';
import { writesActivity, writeDeliveryActivity } from './delivery-activity-sql.js';
import { insertMessagesPostgres } from './postgres-message-insert.js';
import { RECIPIENT_PART_SHIFT } from './migrations/0009_recipient-index-parts.js';
import { ATTENTION_STATUSES, attentionPredicate } from './migrations/0010_attention-index-without-in-list.js';
import { QUEUE_LEASED, QUEUE_WAITING, columnRow, eventRow, messageColumns, sliceColumns, rowToApiKey, rowToEvent, rowToMessage, rowToTemplate, rowToTemplateVersion } from './rows.js';


// Rows per multi-row INSERT: ~35 parameters a row stays under both dialects' bound-parameter limits.
const INSERT_CHUNK = 500;

/**
 * The store over Kysely, shared by SQLite and PostgreSQL. Subclasses supply the write transaction
 * (BEGIN IMMEDIATE on SQLite, an ordinary transaction on PostgreSQL) and the row lock used by claims.
 */
export abstract class SqlStore implements Store {
  abstract readonly dialect: 'sqlite' | 'postgres';

  protected constructor(protected readonly db: Kysely<Database>, private readonly migrations: Migration[]) {}

  /** Run `fn` in a transaction that holds the write lock from its first statement. */
  protected abstract writeTx<T>(fn: (trx: Db) => Promise<T>): Promise<T>;
  /** Whether claim subqueries add FOR UPDATE SKIP LOCKED (PostgreSQL only; SQLite has one writer). */
  protected abstract readonly skipLocked: boolean;

  /** The handle sub-stores (senders, contacts, …) are built on: same database, same write serialisation. */
  sqlContext(): SqlContext {
    return { dialect: this.dialect, db: this.db, writeTx: (fn) => this.writeTx(fn) };
  }

  async migrate(): Promise<string[]> {
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(this.db);
    const applied: string[] = [];
    for (const m of this.migrations) {
      const done = await this.writeTx(async (trx) => {
        const seen = await trx.selectFrom('schema_migrations').select('name').where('name', '=', m.name).executeTakeFirst();
        if (seen) return false;
        for (const stmt of m.statements) await sql.raw(stmt).execute(trx);
        await trx.insertInto('schema_migrations').values({ name: m.name, applied_at: Date.now() }).execute();
        return true;
      });
      if (done) applied.push(m.name);
    }
    return applied;
  }

  async migrationsApplied(): Promise<boolean> {
    try {
      const rows = await this.db.selectFrom('schema_migrations').select('name').execute();
      const have = new Set(rows.map((r) => r.name));
      return this.migrations.every((m) => have.has(m.name));
    } catch {
      return false;
    }
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  insertMessages(messages: NewMessage[]): Promise<InsertResult[]> {
    return this.insertMessageColumns(messageColumns(messages));
  }

  async insertMessageColumns(c: MessageColumns): Promise<InsertResult[]> {
    if (c.count === 0) return [];
    return this.writeTx(async (trx) => {
      const inserted = new Set<string>();
      for (let i = 0; i < c.count; i += INSERT_CHUNK) {
        const end = Math.min(c.count, i + INSERT_CHUNK);
        // DO NOTHING on a repeated idempotency key: the first message stands, and is looked up below.
        const ids = this.dialect === 'postgres'
          ? await insertMessagesPostgres(trx, sliceColumns(c, i, end))
          : await trx.insertInto('messages').values(Array.from({ length: end - i }, (_, k) => columnRow(c, i + k))).onConflict((oc) => oc.doNothing()).returning('id').execute();
        for (const r of ids) inserted.add(r.id);
      }
      const keys = new Set<string>();
      for (let i = 0; i < c.count; i++) if (!inserted.has(c.id[i]!) && c.idempotencyKey[i] !== null) keys.add(c.idempotencyKey[i]!);
      const byKey = new Map<string, string>();
      const wanted = [...keys];
      for (let i = 0; i < wanted.length; i += INSERT_CHUNK) {
        const found = await trx.selectFrom('messages').select(['id', 'idempotency_key']).where('idempotency_key', 'in', wanted.slice(i, i + INSERT_CHUNK)).execute();
        for (const f of found) byKey.set(f.idempotency_key!, f.id);
      }
      return c.id.map((id, i) => {
        if (inserted.has(id)) return { id, duplicate: false };
        const key = c.idempotencyKey[i];
        const first = key ? byKey.get(key) : undefined;
        if (!first) throw new Error(`message ${id} was neither inserted nor found by idempotency key`);
        return { id: first, duplicate: true };
      });
    });
  }

  async claimMessages(owner: string, now: number, limit: number, leaseMs: number): Promise<MessageRecord[]> {
    return this.writeTx(async (trx) => {
      let pick = trx.selectFrom('messages').select('id')
        .where('queue_state', '=', QUEUE_WAITING).where('due_at', '<=', now)
        .orderBy('priority').orderBy('due_at').limit(limit);
      if (this.skipLocked) pick = pick.forUpdate().skipLocked();
      const rows = await trx.updateTable('messages')
        .set({ status: 'sending', queue_state: QUEUE_LEASED, lease_owner: owner, lease_until: now + leaseMs, attempts: sql`attempts + 1`, updated_at: now })
        .where('id', 'in', pick)
        .returningAll()
        .execute();
      if (rows.length === 0) return [];
      // No event per claim: the result's event carries the attempt number (docs/adr/0006-queued-event-implicit.md).
      return rows.map(rowToMessage).sort((a, b) => a.priority - b.priority || a.dueAt - b.dueAt);
    });
  }

  async expiredLeases(now: number, limit: number): Promise<Array<{ id: string; owner: string; contactId: string | null; attempts: number }>> {
    const rows = await this.db.selectFrom('messages').select(['id', 'lease_owner', 'contact_id', 'attempts'])
      .where('queue_state', '=', QUEUE_LEASED).where('lease_until', '<', now).limit(limit).execute();
    return rows.map((r) => ({ id: r.id, owner: r.lease_owner ?? '', contactId: r.contact_id ?? null, attempts: Number(r.attempts) }));
  }

  async releaseExpiredLeases(now: number): Promise<number> {
    return this.writeTx(async (trx) => {
      const rows = await trx.updateTable('messages')
        .set({ status: 'deferred', queue_state: QUEUE_WAITING, lease_owner: null, lease_until: null, due_at: now, updated_at: now })
        .where('queue_state', '=', QUEUE_LEASED).where('lease_until', '<', now)
        .returning(['id', 'attempts'])
        .execute();
      await this.insertEvents(trx, rows.map((r) => eventRow(r.id, 'lease_expired', now, { reason: 'worker lease expired; message requeued', attempt: Number(r.attempts) })));
      return rows.length;
    });
  }

  async recordResults(owner: string, results: DeliveryResult[]): Promise<string[]> {
    if (results.length === 0) return [];
    return this.writeTx(async (trx) => {
      // PostgreSQL records the batch in one statement; SQLite normally takes its prepared hot path (SqliteHotPath).
      const recorded = this.dialect === 'postgres' ? await recordBatchPostgres(trx, owner, results) : await recordEach(trx, owner, results);
      const kept = new Set(recorded);
      const done = results.filter((r) => kept.has(r.id));
      await this.insertEvents(trx, done.map((r) => eventRow(r.id, r.status, r.at, resultDetail(r))));
      await writeDeliveryActivity(trx, this.dialect, done.filter(writesActivity).map((r) => r.id));
      const toSuppress = done.filter((r) => r.suppress);
      if (toSuppress.length > 0) {
        const addrs = await trx.selectFrom('messages').select(['id', 'to_address']).where('id', 'in', toSuppress.map((r) => r.id)).execute();
        const byId = new Map(addrs.map((a) => [a.id, a.to_address]));
        await suppressions.addSuppressions(trx, toSuppress.map((r) => ({ address: byId.get(r.id)!, reason: r.suppress!.reason, detail: r.suppress!.detail, messageId: r.id, createdAt: r.at })));
      }
      return recorded;
    });
  }

  async cancelMessage(id: string, now: number): Promise<MessageRecord | null> {
    return this.writeTx(async (trx) => {
      const res = await trx.updateTable('messages')
        .set({ status: 'cancelled', queue_state: null, updated_at: now })
        .where('id', '=', id).where('queue_state', '=', QUEUE_WAITING)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) await this.insertEvents(trx, [eventRow(id, 'cancelled', now, null)]);
      const row = await trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToMessage(row) : null;
    });
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToMessage(row) : null;
  }

  async getEvents(id: string): Promise<MessageEvent[]> {
    const rows = await this.db.selectFrom('message_events').selectAll().where('message_id', '=', id).orderBy('id').execute();
    return rows.map(rowToEvent);
  }

  async listMessages(q: MessageQuery): Promise<MessageRecord[]> {
    let query = this.db.selectFrom('messages').selectAll();
    if (q.status) {
      query = query.where('status', '=', q.status);
      // Repeating the partial index's own predicate lets SQLite's planner use ix_messages_attention (migrations 0004, 0010).
      if ((ATTENTION_STATUSES as readonly MessageStatus[]).includes(q.status)) query = query.where(sql.raw<boolean>(attentionPredicate(this.dialect)));
    }
    if (q.recipient) {
      const r = q.recipient;
      // SQLite indexes recipients behind the accept path (SqliteRecipientIndexer): the index, plus the rows stored
      // after its checkpoint, is every message to `r`. PostgreSQL indexes to_address directly.
      // The index is in parts of 65,536 messages (migration 0009): one (part, address) probe per part.
      query = this.dialect === 'sqlite'
        ? query.where('id', 'in', sql<string>`(
            WITH RECURSIVE parts(p) AS (
              SELECT 0 UNION ALL SELECT p + 1 FROM parts WHERE p < (SELECT last_rowid >> ${sql.lit(RECIPIENT_PART_SHIFT)} FROM recipient_index_state WHERE id = 1))
            SELECT r.message_id FROM parts JOIN message_recipient_parts r ON r.part = parts.p AND r.address = ${r}
            UNION ALL SELECT id FROM messages WHERE rowid > (SELECT last_rowid FROM recipient_index_state WHERE id = 1) AND to_address = ${r})`)
        : query.where('to_address', '=', r);
    }
    if (q.since !== undefined) query = query.where('created_at', '>=', q.since);
    if (q.until !== undefined) query = query.where('created_at', '<', q.until);
    if (q.before) query = query.where('id', '<', q.before);
    if (q.tag) query = query.where('tags', 'like', `%${JSON.stringify(q.tag)}%`);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(rowToMessage);
  }

  async nextDueAt(): Promise<number | null> {
    const row = await this.db.selectFrom('messages').select('due_at').where('queue_state', '=', QUEUE_WAITING).orderBy('due_at').limit(1).executeTakeFirst();
    return row ? Number(row.due_at) : null;
  }

  async queueDepth(): Promise<QueueDepth[]> {
    const rows = await this.db.selectFrom('messages')
      .select(['priority', 'status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('queue_state', 'is not', null)
      .groupBy(['priority', 'status'])
      .execute();
    return rows.map((r) => ({ priority: Number(r.priority), status: r.status as MessageStatus, count: Number(r.count) }));
  }

  async createTemplate(t: Parameters<Store['createTemplate']>[0]): Promise<TemplateRecord> {
    return this.writeTx(async (trx) => {
      const old = await trx.selectFrom('templates').selectAll().where('id', '=', t.id).executeTakeFirst();
      if (old && old.deleted_at === null) throw new AppError('TEMPLATE_EXISTS', `template "${t.id}" already exists`, { field: 'id' });
      // A deleted template's versions stay for the messages that used them; re-creating continues the numbering.
      const version = old ? Number(old.current_version) + 1 : 1;
      const head = { id: t.id, name: t.name, category: t.category, active: t.active ? 1 : 0, current_version: version, created_at: t.createdAt, updated_at: t.createdAt, deleted_at: null };
      if (old) await trx.updateTable('templates').set(head).where('id', '=', t.id).execute();
      else await trx.insertInto('templates').values(head).execute();
      const v = { template_id: t.id, version, subject: t.subject, html: t.html, text: t.text, variables: JSON.stringify(t.variables), created_at: t.createdAt };
      await trx.insertInto('template_versions').values(v).execute();
      return rowToTemplate({ ...head }, v);
    });
  }

  async updateTemplate(id: string, patch: Parameters<Store['updateTemplate']>[1], now: number): Promise<TemplateRecord | null> {
    return this.writeTx(async (trx) => {
      const head = await trx.selectFrom('templates').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
      if (!head) return null;
      const cur = await trx.selectFrom('template_versions').selectAll().where('template_id', '=', id).where('version', '=', head.current_version).executeTakeFirstOrThrow();
      const version = Number(head.current_version) + 1;
      const v = {
        template_id: id,
        version,
        subject: patch.subject ?? cur.subject,
        html: patch.html ?? cur.html,
        text: patch.text !== undefined ? patch.text : cur.text,
        variables: patch.variables ? JSON.stringify(patch.variables) : cur.variables,
        created_at: now,
      };
      const next = {
        ...head,
        name: patch.name ?? head.name,
        category: patch.category !== undefined ? patch.category : head.category,
        active: patch.active === undefined ? head.active : patch.active ? 1 : 0,
        current_version: version,
        updated_at: now,
      };
      await trx.insertInto('template_versions').values(v).execute();
      await trx.updateTable('templates').set(next).where('id', '=', id).execute();
      return rowToTemplate(next, v);
    });
  }

  async getTemplate(id: string): Promise<TemplateRecord | null> {
    const row = await this.db.selectFrom('templates').innerJoin('template_versions', (j) =>
      j.onRef('template_versions.template_id', '=', 'templates.id').onRef('template_versions.version', '=', 'templates.current_version'))
      .selectAll('templates').select(['template_versions.subject', 'template_versions.html', 'template_versions.text', 'template_versions.variables', 'template_versions.template_id', 'template_versions.version'])
      .where('templates.id', '=', id).where('templates.deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? rowToTemplate(row, { ...row, created_at: row.updated_at }) : null;
  }

  async getTemplateVersion(id: string, version: number): Promise<TemplateVersion | null> {
    const row = await this.db.selectFrom('template_versions').selectAll().where('template_id', '=', id).where('version', '=', version).executeTakeFirst();
    return row ? rowToTemplateVersion(row) : null;
  }

  async listTemplates(): Promise<TemplateRecord[]> {
    const rows = await this.db.selectFrom('templates').innerJoin('template_versions', (j) =>
      j.onRef('template_versions.template_id', '=', 'templates.id').onRef('template_versions.version', '=', 'templates.current_version'))
      .selectAll('templates').select(['template_versions.subject', 'template_versions.html', 'template_versions.text', 'template_versions.variables', 'template_versions.template_id', 'template_versions.version'])
      .where('templates.deleted_at', 'is', null).orderBy('templates.id')
      .execute();
    return rows.map((row) => rowToTemplate(row, { ...row, created_at: row.updated_at }));
  }

  async deleteTemplate(id: string, now: number): Promise<boolean> {
    const res = await this.db.updateTable('templates').set({ deleted_at: now, updated_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  addSuppressions(rows: Suppression[]): Promise<number> {
    return this.writeTx((trx) => suppressions.addSuppressions(trx, rows));
  }

  findSuppressions(addresses: string[]): Promise<Map<string, Suppression>> {
    return suppressions.findSuppressions(this.db, addresses);
  }

  listSuppressions(q: { limit: number; reason?: SuppressionReason; before?: { createdAt: number; address: string } }): Promise<Suppression[]> {
    return suppressions.listSuppressions(this.db, q);
  }

  removeSuppression(address: string): Promise<boolean> {
    return suppressions.removeSuppression(this.db, address);
  }

  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.db.insertInto('api_keys').values({
      id: k.id, name: k.name, prefix: k.prefix, hash: k.hash, scopes: JSON.stringify(k.scopes),
      created_at: k.createdAt, last_used_at: k.lastUsedAt, revoked_at: k.revokedAt,
    }).execute();
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row ? rowToApiKey(row) : null;
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map(rowToApiKey);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    const res = await this.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async countApiKeys(): Promise<number> {
    const row = await this.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async insertEvents(trx: Db, rows: ReturnType<typeof eventRow>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      // PostgreSQL: one array per column (see insertChunkPostgres) instead of 4 parameters per row.
      if (this.dialect === 'postgres') {
        await sql`INSERT INTO message_events (message_id, type, at, detail)
          SELECT * FROM unnest(${chunk.map((r) => r.message_id)}::text[], ${chunk.map((r) => r.type)}::text[],
            ${chunk.map((r) => r.at)}::bigint[], ${chunk.map((r) => r.detail ?? null)}::text[])`.execute(trx);
      } else await trx.insertInto('message_events').values(chunk).execute();
    }
  }
}

/**
 * PostgreSQL: every result of a batch in ONE statement (one round trip instead of one per message), the values
 * passed as parallel arrays and joined back by id. Same rules as the per-row update: only rows still leased to
 * `owner` change; null due time / Message-ID keep the stored value; a refund gives the attempt back.
 */
async function recordBatchPostgres(trx: Db, owner: string, results: DeliveryResult[]): Promise<string[]> {
  const col = <T>(f: (r: DeliveryResult) => T): T[] => results.map(f);
  const rows = await sql<{ id: string }>`
    UPDATE messages AS m SET
      status = v.status, queue_state = v.queue_state, due_at = COALESCE(v.due_at, m.due_at), attempts = m.attempts - v.refund,
      throttle_slot = v.throttle_slot, lease_owner = NULL, lease_until = NULL, updated_at = v.at, sent_at = v.sent_at,
      transport = v.transport, provider_message_id = v.provider_message_id, message_id_header = COALESCE(v.message_id_header, m.message_id_header),
      last_code = v.last_code, last_error = v.last_error, processing_ms = v.processing_ms
    FROM unnest(
      ${col((r) => r.id)}::text[], ${col((r) => r.status)}::text[], ${col((r) => (r.status === 'deferred' ? QUEUE_WAITING : null))}::int[],
      ${col((r) => (r.status === 'deferred' ? (r.dueAt ?? r.at) : null))}::bigint[], ${col((r) => (r.refund ? 1 : 0))}::int[],
      ${col((r) => r.throttleSlot ?? null)}::bigint[], ${col((r) => r.at)}::bigint[], ${col((r) => (r.status === 'sent' ? r.at : null))}::bigint[],
      ${col((r) => r.transport ?? null)}::text[], ${col((r) => r.providerMessageId ?? null)}::text[], ${col((r) => r.messageIdHeader ?? null)}::text[],
      ${col((r) => r.code ?? null)}::int[], ${col((r) => r.error ?? null)}::text[], ${col((r) => r.processingMs ?? null)}::bigint[]
    ) AS v(id, status, queue_state, due_at, refund, throttle_slot, at, sent_at, transport, provider_message_id, message_id_header, last_code, last_error, processing_ms)
    WHERE m.id = v.id AND m.lease_owner = ${owner} AND m.queue_state = ${QUEUE_LEASED}
    RETURNING m.id`.execute(trx);
  const ok = new Set(rows.rows.map((r) => r.id));
  // In the batch's order, as the per-row path answers.
  return results.filter((r) => ok.has(r.id)).map((r) => r.id);
}

/** One UPDATE per result (the portable form; see recordBatchPostgres for the batched one). */
async function recordEach(trx: Db, owner: string, results: DeliveryResult[]): Promise<string[]> {
  const recorded: string[] = [];
  for (const r of results) {
    const waiting = r.status === 'deferred';
    const res = await trx.updateTable('messages')
      .set({
        status: r.status,
        queue_state: waiting ? QUEUE_WAITING : null,
        due_at: waiting ? (r.dueAt ?? r.at) : sql`due_at`,
        // A throttle deferral never reached a receiver: it does not use up an attempt.
        attempts: r.refund ? sql`attempts - 1` : sql`attempts`,
        throttle_slot: r.throttleSlot ?? null,
        lease_owner: null,
        lease_until: null,
        updated_at: r.at,
        sent_at: r.status === 'sent' ? r.at : null,
        transport: r.transport ?? null,
        provider_message_id: r.providerMessageId ?? null,
        message_id_header: r.messageIdHeader ?? sql`message_id_header`,
        last_code: r.code ?? null,
        last_error: r.error ?? null,
        processing_ms: r.processingMs ?? null,
      })
      // Only the worker holding the lease may record: a reclaimed message belongs to its new owner.
      .where('id', '=', r.id).where('lease_owner', '=', owner).where('queue_state', '=', QUEUE_LEASED)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) recorded.push(r.id);
  }
  return recorded;
}
