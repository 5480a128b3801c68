import type { Migration } from '../schema.js';

/** The statuses ix_messages_attention covers (migration 0004): the ones people search for, rare in a healthy store. */
export const ATTENTION_STATUSES = ['failed', 'bounced', 'suppressed', 'cancelled', 'deferred'] as const;

/**
 * The predicate of ix_messages_attention in each dialect, as the index was created; a query repeats it word for word
 * so that SQLite's planner sees that the partial index applies.
 */
export function attentionPredicate(dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'sqlite'
    ? `(${ATTENTION_STATUSES.map((s) => `status = '${s}'`).join(' OR ')})`
    : `status IN (${ATTENTION_STATUSES.map((s) => `'${s}'`).join(', ')})`;
}

/**
 * 0010_attention-index-without-in-list (SQLite): ix_messages_attention's predicate as ORed equalities instead of
 * `status IN (…5 values…)`. SQLite evaluates a partial index's predicate for the old and the new row of every UPDATE
 * and for every inserted row, and it evaluates an IN list of more than two constants through a temporary B-tree built
 * for the occasion — opened, filled with the five values, probed and closed each time: two per recorded result, with a
 * page-sized memset each (16 KiB pages, ADR 0023). The ORed form is five string comparisons. `node bench/store.mjs`:
 * record ~13.5 → ~10 µs per message (bench/RESULTS.md, session 12). Nothing on PostgreSQL, which evaluates IN lists in
 * place.
 */
export function attentionIndexWithoutInList(dialect: 'sqlite' | 'postgres'): Migration {
  if (dialect === 'postgres') return { name: '0010_attention-index-without-in-list', statements: [] };
  return {
    name: '0010_attention-index-without-in-list',
    statements: [
      'DROP INDEX ix_messages_attention',
      `CREATE INDEX ix_messages_attention ON messages (status, id) WHERE ${attentionPredicate('sqlite')}`,
    ],
  };
}
