import type { Migration } from '../schema.js';

/**
 * 0003_contacts: contacts with their tags and activity, saved segments, and contact imports.
 * Attributes are JSON text on both dialects (json_extract on SQLite, ::jsonb on PostgreSQL read them), so rows
 * read back identically; the engagement score is an integer of thousandths so both stores add it exactly.
 * Takes the dialect's column types (DialectTypes, restated structurally so this file and ../migrations.ts form no cycle).
 */
export function contactsMigration({ time: T, serial }: { time: string; serial: string }): Migration {
  return {
    name: '0003_contacts',
    statements: [
      `CREATE TABLE contacts (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        external_id TEXT,
        first_name TEXT,
        last_name TEXT,
        company TEXT,
        attributes TEXT NOT NULL,
        status TEXT NOT NULL,
        engagement_milli INTEGER NOT NULL DEFAULT 0,
        last_engagement ${T},
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL
      )`,
      `CREATE UNIQUE INDEX ux_contacts_email ON contacts (email)`,
      `CREATE UNIQUE INDEX ux_contacts_external_id ON contacts (external_id) WHERE external_id IS NOT NULL`,
      // Audiences are "subscribed and …", paged by id: (status, id) serves the filter and the keyset order together.
      `CREATE INDEX ix_contacts_status ON contacts (status, id)`,
      // "Has tag" on both dialects: (tag, contact_id) answers it from the index alone.
      `CREATE TABLE contact_tags (
        tag TEXT NOT NULL,
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        PRIMARY KEY (tag, contact_id)
      )`,
      `CREATE INDEX ix_contact_tags_contact ON contact_tags (contact_id)`,
      `CREATE TABLE contact_activity (
        id ${serial},
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        at ${T} NOT NULL,
        message_id TEXT
      )`,
      // `{event, within_days}` is an EXISTS probe on (contact, type, at ≥ cutoff).
      `CREATE INDEX ix_contact_activity ON contact_activity (contact_id, type, at)`,
      `CREATE TABLE segments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT,
        rule TEXT NOT NULL,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL
      )`,
      `CREATE TABLE contact_imports (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        source TEXT NOT NULL,
        total_rows INTEGER,
        rows_read INTEGER NOT NULL DEFAULT 0,
        inserted INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        options TEXT NOT NULL,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL,
        finished_at ${T}
      )`,
      // The first 1,000 row errors of each import (the job's `failed` counts them all).
      `CREATE TABLE contact_import_errors (
        import_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        field TEXT,
        message TEXT NOT NULL
      )`,
      `CREATE INDEX ix_contact_import_errors ON contact_import_errors (import_id, line)`,
    ],
  };
}
