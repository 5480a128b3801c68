import type { Migration } from '../schema.js';

/**
 * 0008_contact-email-search: the dashboard's contact search (email starts with …, in email order) as an index range.
 * Search compares emails as bytes on both dialects, so results and paging agree. SQLite's unique index on email is
 * already in byte order (BINARY). On PostgreSQL that index follows the database's collation, whose order is not byte
 * order under most locales (en_US ignores punctuation at first level), so a range over it could miss matches: a
 * second index in the "C" collation serves the range and the ORDER BY. It costs one more index entry per contact
 * insert or email change on PostgreSQL only.
 */
export function contactEmailSearch(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    name: '0008_contact-email-search',
    statements: dialect === 'postgres' ? ['CREATE INDEX ix_contacts_email_bytes ON contacts (email COLLATE "C")'] : [],
  };
}
