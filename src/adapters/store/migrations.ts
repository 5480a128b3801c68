import type { Migration } from './schema.js';
import { leanMessageIndexes } from './migrations/0004_lean-message-indexes.js';
import { senders } from './migrations/0002_senders.js';
import { contactsMigration } from './migrations/0003_contacts.js';
import { campaignsMigration } from './migrations/0005_campaigns.js';
import { deliveryActivityMigration } from './migrations/0007_delivery-activity.js';
import { contactEmailSearch } from './migrations/0008_contact-email-search.js';
import { recipientIndexParts } from './migrations/0009_recipient-index-parts.js';
import { attentionIndexWithoutInList } from './migrations/0010_attention-index-without-in-list.js';

/** Column types that differ between the two dialects. */
export interface DialectTypes {
  /** Epoch milliseconds. */
  time: string;
  /** Auto-incrementing primary key. */
  serial: string;
}

/** The column types of each dialect. */
export const TYPES: Record<'sqlite' | 'postgres', DialectTypes> = {
  sqlite: { time: 'INTEGER', serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' },
  postgres: { time: 'BIGINT', serial: 'BIGSERIAL PRIMARY KEY' },
};

/**
 * Forward-only migrations for a dialect, applied in order and never edited once released.
 * One definition serves both dialects; only column types differ.
 */
export function migrationsFor(dialect: 'sqlite' | 'postgres'): Migration[] {
  // Each later migration lives in migrations/<name>.ts as a function of the dialect's types; append it here.
  return [core(TYPES[dialect]), leanMessageIndexes(dialect), senders(TYPES[dialect]), contactsMigration(TYPES[dialect]), campaignsMigration(TYPES[dialect], dialect),
    deliveryActivityMigration(dialect), contactEmailSearch(dialect), recipientIndexParts(dialect),
    attentionIndexWithoutInList(dialect)];
}

/** 0001_core: messages, their events, templates, suppressions, API keys. */
function core({ time: T, serial }: DialectTypes): Migration {
  return {
    name: '0001_core',
    statements: [
      `CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        queue_state INTEGER,
        priority INTEGER NOT NULL,
        due_at ${T} NOT NULL,
        lease_owner TEXT,
        lease_until ${T},
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        to_address TEXT NOT NULL,
        to_name TEXT,
        to_domain TEXT NOT NULL,
        from_address TEXT NOT NULL,
        from_name TEXT,
        reply_to TEXT,
        template_id TEXT,
        template_version INTEGER,
        subject TEXT,
        html TEXT,
        text TEXT,
        variables TEXT NOT NULL,
        headers TEXT NOT NULL,
        tags TEXT NOT NULL,
        idempotency_key TEXT,
        api_key_id TEXT,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL,
        sent_at ${T},
        transport TEXT,
        provider_message_id TEXT,
        message_id_header TEXT,
        last_code INTEGER,
        last_error TEXT,
        processing_ms INTEGER,
        throttle_slot ${T}
      )`,
      // Claims read only waiting rows in (priority, due) order: a partial index stays small as history grows.
      `CREATE INDEX ix_messages_ready ON messages (priority, due_at) WHERE queue_state = 1`,
      `CREATE INDEX ix_messages_leased ON messages (lease_until) WHERE queue_state = 2`,
      `CREATE UNIQUE INDEX ux_messages_idempotency ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX ix_messages_status ON messages (status, id)`,
      `CREATE INDEX ix_messages_recipient ON messages (to_address, id)`,
      `CREATE TABLE message_events (
        id ${serial},
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        at ${T} NOT NULL,
        detail TEXT
      )`,
      `CREATE INDEX ix_message_events_message ON message_events (message_id, id)`,
      `CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        category TEXT,
        active INTEGER NOT NULL,
        current_version INTEGER NOT NULL,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL,
        deleted_at ${T}
      )`,
      `CREATE TABLE template_versions (
        template_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        subject TEXT NOT NULL,
        html TEXT NOT NULL,
        text TEXT,
        variables TEXT NOT NULL,
        created_at ${T} NOT NULL,
        PRIMARY KEY (template_id, version)
      )`,
      // One row per address never to be sent to again; the address is stored lower-cased.
      `CREATE TABLE suppressions (
        address TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        detail TEXT,
        message_id TEXT,
        created_at ${T} NOT NULL
      )`,
      `CREATE INDEX ix_suppressions_created ON suppressions (created_at, address)`,
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at ${T} NOT NULL,
        last_used_at ${T},
        revoked_at ${T}
      )`,
    ],
  };
}
