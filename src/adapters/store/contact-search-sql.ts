import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { ContactsTable } from './schema.js';

/**
 * The smallest string greater than every string that starts with `prefix`, in code-point (= UTF-8 byte) order:
 * the prefix with its last code point incremented (skipping the surrogate range). Null when there is none
 * (an empty prefix, or one made only of U+10FFFF), i.e. the range has no upper end.
 */
export function prefixUpperBound(prefix: string): string | null {
  const cps = [...prefix].map((c) => c.codePointAt(0)!);
  while (cps.length > 0) {
    const last = cps.pop()!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...cps, next);
    }
  }
  return null;
}

/**
 * The rows of an email-prefix search after `afterEmail` that also match `filter`: one index range scan in email
 * (byte) order on both dialects, which stops after the page however many contacts match. On SQLite, INDEXED BY
 * keeps the planner from preferring ix_contacts_status (status, id) plus a sort when a status filter is given; on
 * PostgreSQL, the "C" collation makes the comparison and the order those of ix_contacts_email_bytes. The plans are
 * checked by test/contract/contact-search-plan.test.ts.
 */
export function emailSearchQuery(dialect: 'sqlite' | 'postgres', q: { prefix: string; afterEmail: string | null; filter: Expression<SqlBool>; limit: number }): RawBuilder<ContactsTable> {
  const col = dialect === 'postgres' ? sql`contacts.email COLLATE "C"` : sql`contacts.email`;
  const parts: Expression<SqlBool>[] = [sql<SqlBool>`${col} >= ${q.prefix}`];
  const upper = prefixUpperBound(q.prefix);
  if (upper !== null) parts.push(sql<SqlBool>`${col} < ${upper}`);
  if (q.afterEmail !== null) parts.push(sql<SqlBool>`${col} > ${q.afterEmail}`);
  parts.push(q.filter);
  const from = dialect === 'sqlite' ? sql`contacts INDEXED BY ux_contacts_email` : sql`contacts`;
  return sql<ContactsTable>`SELECT contacts.* FROM ${from} WHERE ${sql.join(parts, sql` AND `)} ORDER BY ${col} LIMIT ${q.limit}`;
}
