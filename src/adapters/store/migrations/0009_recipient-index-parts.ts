import type { Migration } from '../schema.js';

/** log2 of the messages per part of the SQLite recipient index: rowid >> 16, 65,536 messages a part. */
export const RECIPIENT_PART_SHIFT = 16;

/**
 * 0009_recipient-index-parts (SQLite): the recipient index (0004) gains a leading `part` = messages.rowid >> 16.
 * An index step adds tens of thousands of entries at once; keyed by address alone they land all over the index, so
 * each step dirtied nearly every page of it and its cost per message grew with the store (9.8 µs per message at
 * 600,000 messages, measured in bench/RESULTS.md, session 4). Keyed by part first, a step only touches the newest
 * part or two (1.3 µs per message whatever the size). A search probes (part, address) once per part. Existing
 * entries are converted here, in the migration's transaction. Nothing on PostgreSQL (it indexes to_address).
 */
export function recipientIndexParts(dialect: 'sqlite' | 'postgres'): Migration {
  if (dialect === 'postgres') return { name: '0009_recipient-index-parts', statements: [] };
  return {
    name: '0009_recipient-index-parts',
    statements: [
      `CREATE TABLE message_recipient_parts (
        part INTEGER NOT NULL,
        address TEXT NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (part, address, message_id)
      ) WITHOUT ROWID`,
      `INSERT INTO message_recipient_parts (part, address, message_id)
        SELECT m.rowid >> ${RECIPIENT_PART_SHIFT}, r.address, r.message_id FROM message_recipients r JOIN messages m ON m.id = r.message_id`,
      'DROP TABLE message_recipients',
    ],
  };
}
