import type BetterSqlite3 from 'better-sqlite3';
import type { DeliveryResult, InsertResult, MessageColumns, MessageRecord } from '../../../ports/store.js';
import type { Selectable } from 'kysely';
import type { MessagesTable, SuppressionsTable } from '../schema.js';
import { QUEUE_LEASED, QUEUE_WAITING, rowToMessage } from '../rows.js';
import { resultDetail } from '../result-detail.js';
import { SQLITE_DELIVERY_ACTIVITY, writesActivity } from '../delivery-activity-sql.js';

/**
 * The columns of a new message row that vary by message, in parameter order (`insertParams`); the INSERT writes
 * the constant ones as literals and leaves the rest NULL — the same row as `messageToRow`, which the contract test
 * "the hot path writes the row messageToRow describes" checks column by column.
 */
const INSERT_COLS = [
  'id', 'priority', 'due_at', 'max_attempts', 'to_address', 'to_name', 'to_domain', 'from_address', 'from_name', 'reply_to', 'template_id',
  'template_version', 'subject', 'html', 'text', 'variables', 'headers', 'tags', 'idempotency_key', 'api_key_id', 'created_at', 'updated_at', 'sender_pool',
] as const satisfies ReadonlyArray<keyof MessagesTable>;
const INSERT_CONSTANTS = { status: "'queued'", queue_state: String(QUEUE_WAITING), attempts: '0' } as const;
/** Rows per multi-row INSERT: one statement per 25 rows costs ~40 % fewer instructions per row than one per row (bench/RESULTS.md). */
const INSERT_CHUNK = 25;

/** Write message `i`'s varying columns into `out` from offset `o`, in INSERT_COLS order. */
function insertParams(c: MessageColumns, i: number, out: unknown[], o: number): void {
  out[o] = c.id[i]; out[o + 1] = c.priority[i]; out[o + 2] = c.dueAt[i]; out[o + 3] = c.maxAttempts[i]; out[o + 4] = c.toAddress[i];
  out[o + 5] = c.toName[i]; out[o + 6] = c.toDomain[i]; out[o + 7] = c.fromAddress[i]; out[o + 8] = c.fromName[i]; out[o + 9] = c.replyTo[i];
  out[o + 10] = c.templateId[i]; out[o + 11] = c.templateVersion[i]; out[o + 12] = c.subject[i]; out[o + 13] = c.html[i]; out[o + 14] = c.text[i];
  out[o + 15] = c.variables[i]; out[o + 16] = c.headers[i]; out[o + 17] = c.tags[i]; out[o + 18] = c.idempotencyKey[i]; out[o + 19] = c.apiKeyId[i];
  out[o + 20] = c.createdAt[i]; out[o + 21] = c.createdAt[i]; out[o + 22] = c.senderPool[i];
}

/**
 * `OR FAIL` on the multi-row statements of the hot path: a statement that may stop half-way with ABORT (SQLite's default)
 * keeps a statement journal of the pages it changes, so as to undo only itself, and past 64 KiB that journal is a
 * temporary file — two pwrite(2) per 16 KiB page, plus its open, unlink and close. Every such statement here runs
 * inside a transaction that is rolled back whole when anything in it fails (better-sqlite3's `transaction()`), so undoing
 * one statement alone is never needed: with FAIL no statement journal is kept. `node bench/store.mjs 50000`: pwrite(2)
 * calls 43,058 → 19,305, temporary files 304 → 4 (bench/RESULTS.md, session 10; docs/adr/0023-sqlite-settings.md).
 */
const NO_STATEMENT_JOURNAL = 'OR FAIL';

/** `rows` new messages; with `conflicts`, a conflicting row is skipped and the ids inserted are returned. */
function insertSql(rows: number, conflicts = true): string {
  const tuple = `(${INSERT_COLS.map(() => '?').join(', ')}, ${Object.values(INSERT_CONSTANTS).join(', ')})`;
  return `INSERT ${NO_STATEMENT_JOURNAL} INTO messages (${INSERT_COLS.join(', ')}, ${Object.keys(INSERT_CONSTANTS).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}${
    conflicts ? ' ON CONFLICT DO NOTHING RETURNING id' : ''}`;
}

/**
 * The columns a batch of messages usually holds one value for (sender, template, priority, due time, …): the
 * uniform INSERT binds each of them once per statement (?1…?18) and only the rest per row — 143 parameters for 25
 * rows instead of 575 (bench/RESULTS.md, session 4: ~1.8 µs less per row).
 */
const PER_ROW = ['id', 'to_address', 'to_name', 'to_domain', 'variables'] as const satisfies ReadonlyArray<(typeof INSERT_COLS)[number]>;
type SharedColumn = Exclude<(typeof INSERT_COLS)[number], (typeof PER_ROW)[number]>;
const SHARED = INSERT_COLS.filter((c): c is SharedColumn => !(PER_ROW as readonly string[]).includes(c));

/** `rows` new messages whose SHARED columns are equal, none with an idempotency key (so none can conflict). */
function uniformInsertSql(rows: number): string {
  const param = (c: string, r: number) => {
    const s = SHARED.indexOf(c as SharedColumn);
    return s >= 0 ? `?${s + 1}` : `?${SHARED.length + r * PER_ROW.length + (PER_ROW as readonly string[]).indexOf(c) + 1}`;
  };
  const tuples = Array.from({ length: rows }, (_, r) => `(${INSERT_COLS.map((c) => param(c, r)).join(', ')}, ${Object.values(INSERT_CONSTANTS).join(', ')})`);
  return `INSERT ${NO_STATEMENT_JOURNAL} INTO messages (${INSERT_COLS.join(', ')}, ${Object.keys(INSERT_CONSTANTS).join(', ')}) VALUES ${tuples.join(', ')}`;
}

/** True when every SHARED column of `c` holds one value and no message has an idempotency key. */
function uniformWithoutKeys(c: MessageColumns): boolean {
  if (c.idempotencyKey[0] !== null) return false;
  const cols: unknown[][] = [c.priority, c.dueAt, c.maxAttempts, c.fromAddress, c.fromName, c.replyTo, c.templateId, c.templateVersion, c.subject,
    c.html, c.text, c.headers, c.tags, c.idempotencyKey, c.apiKeyId, c.createdAt, c.senderPool];
  for (const col of cols) {
    const v = col[0];
    for (let i = 1; i < c.count; i++) if (col[i] !== v) return false;
  }
  return true;
}

/** Bind values of the uniform INSERT: SHARED from message 0 (in SHARED order), then PER_ROW of `rows` messages from `i`. */
function uniformParams(c: MessageColumns, out: Record<number, unknown>, i: number | null, rows: number): void {
  if (i === null) {
    const shared: Record<SharedColumn, unknown> = {
      priority: c.priority[0], due_at: c.dueAt[0], max_attempts: c.maxAttempts[0], from_address: c.fromAddress[0], from_name: c.fromName[0],
      reply_to: c.replyTo[0], template_id: c.templateId[0], template_version: c.templateVersion[0], subject: c.subject[0], html: c.html[0],
      text: c.text[0], headers: c.headers[0], tags: c.tags[0], idempotency_key: c.idempotencyKey[0], api_key_id: c.apiKeyId[0],
      created_at: c.createdAt[0], updated_at: c.createdAt[0], sender_pool: c.senderPool[0],
    };
    SHARED.forEach((col, k) => { out[k + 1] = shared[col]; });
    return;
  }
  let o = SHARED.length + 1;
  for (let k = 0; k < rows; k++, o += PER_ROW.length) {
    out[o] = c.id[i + k]; out[o + 1] = c.toAddress[i + k]; out[o + 2] = c.toName[i + k]; out[o + 3] = c.toDomain[i + k]; out[o + 4] = c.variables[i + k];
  }
}

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
  private readonly insertChunk: BetterSqlite3.Statement;
  private readonly insertChunkNoKeys: BetterSqlite3.Statement;
  private readonly insertUniform: BetterSqlite3.Statement;
  private readonly uniformValues: Record<number, unknown> = {};
  private readonly suppressed: BetterSqlite3.Statement;
  private readonly insertOne: BetterSqlite3.Statement;
  private readonly chunkParams: unknown[] = new Array(INSERT_COLS.length * INSERT_CHUNK);
  private readonly oneParams: unknown[] = new Array(INSERT_COLS.length);
  private readonly byKey: BetterSqlite3.Statement;
  private readonly claim: BetterSqlite3.Statement;
  private readonly claimRow: (values: unknown[]) => MessagesTable;
  private readonly event: BetterSqlite3.Statement;
  private readonly record: BetterSqlite3.Statement;
  private readonly suppress: BetterSqlite3.Statement;
  private readonly activity: BetterSqlite3.Statement;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.insertChunk = db.prepare(insertSql(INSERT_CHUNK)).pluck();
    // Rows without an idempotency key cannot conflict (fresh ids; the key's unique index skips NULL): no RETURNING.
    this.insertChunkNoKeys = db.prepare(insertSql(INSERT_CHUNK, false));
    this.insertUniform = db.prepare(uniformInsertSql(INSERT_CHUNK));
    // One cached statement for any number of addresses (Kysely would prepare an IN list of each length anew).
    // A join from the list, not `address IN (SELECT value FROM json_each(?))`: the IN form first builds a temporary
    // B-tree of the list, which made it take twice as long (200 addresses, empty table: 57 vs 27 µs; the list is deduplicated).
    this.suppressed = db.prepare('SELECT s.* FROM json_each(?) AS j JOIN suppressions AS s ON s.address = j.value');
    this.insertOne = db.prepare(insertSql(1)).pluck();
    this.byKey = db.prepare('SELECT id FROM messages WHERE idempotency_key = ?').pluck();
    // The subquery walks the partial index of waiting rows in (priority, due_at) order.
    // Raw rows (arrays) turned into objects by a function generated for these columns: better-sqlite3 builds row
    // objects property by property through the V8 API, ~14 µs per 35-column row here vs ~5 µs raw (bench/RESULTS.md).
    this.claim = db.prepare(`UPDATE ${NO_STATEMENT_JOURNAL} messages SET status = 'sending', queue_state = ${QUEUE_LEASED}, lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
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

  insertMessages(c: MessageColumns): InsertResult[] {
    return this.db.transaction(() => {
      // Rows go in 25 per statement; RETURNING names the ones inserted, the others met an idempotency key already
      // stored (or earlier in this batch) and answer with the id that has it.
      const inserted = new Set<string>();
      const n = c.count;
      let i = 0;
      if (n >= INSERT_CHUNK && uniformWithoutKeys(c)) {
        uniformParams(c, this.uniformValues, null, 0);
        for (; i + INSERT_CHUNK <= n; i += INSERT_CHUNK) {
          uniformParams(c, this.uniformValues, i, INSERT_CHUNK);
          this.insertUniform.run(this.uniformValues);
          for (let k = 0; k < INSERT_CHUNK; k++) inserted.add(c.id[i + k]!);
        }
      }
      for (; i + INSERT_CHUNK <= n; i += INSERT_CHUNK) {
        let keyed = false;
        for (let k = 0; k < INSERT_CHUNK; k++) {
          insertParams(c, i + k, this.chunkParams, k * INSERT_COLS.length);
          if (c.idempotencyKey[i + k] !== null) keyed = true;
        }
        if (keyed) {
          for (const id of this.insertChunk.all(this.chunkParams) as string[]) inserted.add(id);
        } else {
          this.insertChunkNoKeys.run(this.chunkParams);
          for (let k = 0; k < INSERT_CHUNK; k++) inserted.add(c.id[i + k]!);
        }
      }
      for (; i < n; i++) {
        insertParams(c, i, this.oneParams, 0);
        const id = this.insertOne.get(this.oneParams) as string | undefined;
        if (id !== undefined) inserted.add(id);
      }
      const out = new Array<InsertResult>(n);
      for (let k = 0; k < n; k++) {
        const id = c.id[k]!;
        if (inserted.has(id)) {
          out[k] = { id, duplicate: false };
          continue;
        }
        const key = c.idempotencyKey[k];
        const first = key ? (this.byKey.get(key) as string | undefined) : undefined;
        if (!first) throw new Error(`message ${id} was neither inserted nor found by idempotency key`);
        out[k] = { id: first, duplicate: true };
      }
      return out;
    }).immediate();
  }

  /** The suppression rows of `addresses` (lower-cased and deduplicated by the caller). */
  suppressionRows(addresses: string[]): Selectable<SuppressionsTable>[] {
    return this.suppressed.all(JSON.stringify(addresses)) as Selectable<SuppressionsTable>[];
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
