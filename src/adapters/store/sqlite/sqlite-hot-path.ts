import type BetterSqlite3 from 'better-sqlite3';
import type { DeliveryResult, InsertResult, MessageRecord, NewMessage } from '../../../ports/store.js';
import type { MessagesTable } from '../schema.js';
import { QUEUE_LEASED, QUEUE_WAITING, messageToRow, rowToMessage } from '../rows.js';
import { resultDetail } from '../result-detail.js';
import { SQLITE_DELIVERY_ACTIVITY, writesActivity } from '../delivery-activity-sql.js';

const INSERT_COLS = Object.keys(messageToRow({
  id: '', toAddress: '', toName: null, toDomain: '', fromAddress: '', fromName: null, replyTo: null, templateId: null, templateVersion: null,
  subject: null, html: null, text: null, variables: {}, headers: {}, tags: [], priority: 0, dueAt: 0, idempotencyKey: null, apiKeyId: null, maxAttempts: 1, createdAt: 0,
})) as Array<keyof MessagesTable>;

/** A function from a raw row (values in `columns` order) to a row object, as one object literal (one hidden class). */
function rowBuilder(columns: string[]): (values: unknown[]) => MessagesTable {
  if (!columns.every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new Error(`unexpected column names: ${columns.join(', ')}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the statement's own column names, checked above
  return new Function('r', `return { ${columns.map((c, i) => `${c}: r[${i}]`).join(', ')} };`) as (values: unknown[]) => MessagesTable;
}

/**
 * The three statements on the delivery hot path (accept, claim, record) as cached prepared statements run
 * synchronously inside one SQLite transaction each. Kysely prepares every statement anew and a 500-row
 * multi-row INSERT costs more to parse than to run; measured in bench/RESULTS.md. Same semantics as SqlStore's
 * versions: both pass the store contract suite.
 */
export class SqliteHotPath {
  private readonly insert: BetterSqlite3.Statement;
  private readonly byKey: BetterSqlite3.Statement;
  private readonly claim: BetterSqlite3.Statement;
  private readonly claimRow: (values: unknown[]) => MessagesTable;
  private readonly event: BetterSqlite3.Statement;
  private readonly record: BetterSqlite3.Statement;
  private readonly suppress: BetterSqlite3.Statement;
  private readonly activity: BetterSqlite3.Statement;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.insert = db.prepare(`INSERT INTO messages (${INSERT_COLS.join(', ')}) VALUES (${INSERT_COLS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`);
    this.byKey = db.prepare('SELECT id FROM messages WHERE idempotency_key = ?').pluck();
    // The subquery walks the partial index of waiting rows in (priority, due_at) order.
    // Raw rows (arrays) turned into objects by a function generated for these columns: better-sqlite3 builds row
    // objects property by property through the V8 API, ~14 µs per 35-column row here vs ~5 µs raw (bench/RESULTS.md).
    this.claim = db.prepare(`UPDATE messages SET status = 'sending', queue_state = ${QUEUE_LEASED}, lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
      WHERE id IN (SELECT id FROM messages WHERE queue_state = ${QUEUE_WAITING} AND due_at <= ? ORDER BY priority, due_at LIMIT ?) RETURNING *`).raw();
    this.claimRow = rowBuilder(this.claim.columns().map((c) => c.name));
    this.event = db.prepare('INSERT INTO message_events (message_id, type, at, detail) VALUES (?, ?, ?, ?)');
    // Positional parameters: binding by name costs a lookup per parameter per row.
    this.record = db.prepare(`UPDATE messages SET status = ?, queue_state = ?, due_at = COALESCE(?, due_at),
      attempts = attempts - ?, throttle_slot = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, sent_at = ?,
      transport = ?, provider_message_id = ?, message_id_header = COALESCE(?, message_id_header),
      last_code = ?, last_error = ?, processing_ms = ?
      WHERE id = ? AND lease_owner = ? AND queue_state = ${QUEUE_LEASED}`);
    this.suppress = db.prepare(`INSERT INTO suppressions (address, reason, detail, message_id, created_at)
      SELECT lower(to_address), ?, ?, id, ? FROM messages WHERE id = ? ON CONFLICT (address) DO NOTHING`);
    this.activity = db.prepare(SQLITE_DELIVERY_ACTIVITY);
  }

  insertMessages(messages: NewMessage[]): InsertResult[] {
    return this.db.transaction(() => messages.map((m) => {
      const row = messageToRow(m) as Record<string, unknown>;
      if (this.insert.run(INSERT_COLS.map((c) => row[c])).changes > 0) return { id: m.id, duplicate: false };
      const first = m.idempotencyKey ? (this.byKey.get(m.idempotencyKey) as string | undefined) : undefined;
      if (!first) throw new Error(`message ${m.id} was neither inserted nor found by idempotency key`);
      return { id: first, duplicate: true };
    })).immediate();
  }

  claimMessages(owner: string, now: number, limit: number, leaseMs: number): MessageRecord[] {
    return this.db.transaction(() => {
      const rows = (this.claim.all(owner, now + leaseMs, now, now, limit) as unknown[][]).map(this.claimRow);
      // No event per claim: the result's event carries the attempt number (docs/adr/0006-queued-event-implicit.md).
      return rows.map(rowToMessage).sort((a, b) => a.priority - b.priority || a.dueAt - b.dueAt);
    }).immediate();
  }

  recordResults(owner: string, results: DeliveryResult[]): string[] {
    return this.db.transaction(() => {
      const recorded: string[] = [];
      const withContact: string[] = [];
      for (const r of results) {
        const waiting = r.status === 'deferred';
        const changes = this.record.run(
          r.status, waiting ? QUEUE_WAITING : null, waiting ? (r.dueAt ?? r.at) : null, r.refund ? 1 : 0, r.throttleSlot ?? null, r.at,
          r.status === 'sent' ? r.at : null, r.transport ?? null, r.providerMessageId ?? null, r.messageIdHeader ?? null,
          r.code ?? null, r.error ?? null, r.processingMs ?? null, r.id, owner,
        ).changes;
        if (changes === 0) continue;
        recorded.push(r.id);
        const d = resultDetail(r);
        this.event.run(r.id, r.status, r.at, d ? JSON.stringify(d) : null);
        if (r.suppress) this.suppress.run(r.suppress.reason, r.suppress.detail, r.at, r.id);
        if (writesActivity(r)) withContact.push(r.id);
      }
      // Contact activity (sent/bounced/failed) of the recorded messages that have a contact: one statement, and
      // none at all for a batch of transactional mail.
      if (withContact.length > 0) this.activity.run(JSON.stringify(withContact));
      return recorded;
    }).immediate();
  }
}
