import type BetterSqlite3 from 'better-sqlite3';
import { RECIPIENT_PART_SHIFT } from '../migrations/0009_recipient-index-parts.js';

/** Messages indexed per transaction: large chunks are what makes the index cheap (see docs/adr/0010-recipient-index.md). */
const CHUNK = 20_000;

/**
 * Keeps `message_recipient_parts` ((part, recipient) → message, migration 0009) up to date behind the accept path on SQLite. Each step indexes
 * the messages stored after the checkpoint (`recipient_index_state.last_rowid`), at most CHUNK of them, and moves
 * the checkpoint in the same transaction, so a step is all-or-nothing and several processes on one file never index
 * a message twice. Searches by recipient read the index plus the rows after the checkpoint, so they are exact
 * whether or not a step has run.
 */
export class SqliteRecipientIndexer {
  private readonly lastRowid: BetterSqlite3.Statement;
  private readonly upTo: BetterSqlite3.Statement;
  private readonly index: BetterSqlite3.Statement;
  private readonly advance: BetterSqlite3.Statement;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.lastRowid = db.prepare('SELECT last_rowid FROM recipient_index_state WHERE id = 1').pluck();
    this.upTo = db.prepare('SELECT MAX(rowid) FROM (SELECT rowid FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?)').pluck();
    this.index = db.prepare(`INSERT INTO message_recipient_parts (part, address, message_id)
      SELECT rowid >> ${RECIPIENT_PART_SHIFT}, to_address, id FROM messages WHERE rowid > ? AND rowid <= ? ON CONFLICT DO NOTHING`);
    this.advance = db.prepare('UPDATE recipient_index_state SET last_rowid = ? WHERE id = 1');
  }

  /** Index the next chunk; returns how many messages it indexed (0 when the index is complete). */
  step(): number {
    return this.db.transaction(() => {
      const from = this.lastRowid.get() as number;
      const to = this.upTo.get(from, CHUNK) as number | null;
      if (to === null) return 0;
      const n = this.index.run(from, to).changes;
      this.advance.run(to);
      return n;
    }).immediate();
  }
}
