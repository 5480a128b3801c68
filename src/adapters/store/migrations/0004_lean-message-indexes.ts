import type { Migration } from '../schema.js';

/**
 * 0004_lean_message_indexes: indexes that every accepted or updated message paid for, replaced by cheaper ones
 * (measured in bench/RESULTS.md, "Accept throughput"; reasons in docs/adr/0010-recipient-index.md).
 *
 * - `(status, id)` took an index entry move on every status change (queued → sending → sent). Listing by status
 *   now scans newest-first, which finds common statuses at once; the rare ones a person looks for (failed,
 *   bounced, suppressed, cancelled, deferred) keep a partial index that a normal message never enters.
 * - On SQLite, message_events loses AUTOINCREMENT (one sqlite_sequence update per event).
 * - On SQLite, `(to_address, id)` put one random-position B-tree insert in every accept transaction, i.e. about
 *   one dirtied page (4 KiB of WAL) per message once the index outgrows the batch. Recipients are indexed instead
 *   in `message_recipients` by a background step in large chunks (SqliteRecipientIndexer), and recipient
 *   searches add the not-yet-indexed tail, so results are exact at all times. PostgreSQL keeps the plain index:
 *   its sequence order is not commit order, so a "rows after the checkpoint" tail would not be safe there.
 */
export function leanMessageIndexes(dialect: 'sqlite' | 'postgres'): Migration {
  const statements = [
    'DROP INDEX ix_messages_status',
    `CREATE INDEX ix_messages_attention ON messages (status, id) WHERE status IN ('failed', 'bounced', 'suppressed', 'cancelled', 'deferred')`,
  ];
  if (dialect === 'sqlite') {
    statements.push(
      'DROP INDEX ix_messages_recipient',
      `CREATE TABLE message_recipients (
        address TEXT NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (address, message_id)
      ) WITHOUT ROWID`,
      // The rowid of the last message indexed: SQLite has one writer, so rowids grow in commit order.
      `CREATE TABLE recipient_index_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_rowid INTEGER NOT NULL
      )`,
      `INSERT INTO message_recipients (address, message_id) SELECT to_address, id FROM messages`,
      // AUTOINCREMENT made every event insert update sqlite_sequence too; event ids only need to grow, and rows are
      // never deleted from the top, so a plain rowid key keeps them growing.
      `CREATE TABLE message_events_new (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        detail TEXT
      )`,
      'INSERT INTO message_events_new (id, message_id, type, at, detail) SELECT id, message_id, type, at, detail FROM message_events',
      'DROP TABLE message_events',
      'ALTER TABLE message_events_new RENAME TO message_events',
      'CREATE INDEX ix_message_events_message ON message_events (message_id, id)',
      `INSERT INTO recipient_index_state (id, last_rowid) SELECT 1, COALESCE(MAX(rowid), 0) FROM messages`,
    );
  }
  return { name: '0004_lean_message_indexes', statements };
}
