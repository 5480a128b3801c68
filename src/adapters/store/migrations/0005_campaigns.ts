import type { Migration } from '../schema.js';

/**
 * 0005_campaigns: campaigns, the recipients each one materialised (one row per contact, ever), and the
 * campaign a message belongs to. Takes the dialect's column types (restated structurally, as 0003 does, so this
 * file and ../migrations.ts form no cycle) and the dialect itself (SQLite keys recipients WITHOUT ROWID).
 */
export function campaignsMigration({ time: T }: { time: string; serial: string }, dialect: 'sqlite' | 'postgres'): Migration {
  return {
    name: '0005_campaigns',
    statements: [
      `CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_version INTEGER,
        audience TEXT NOT NULL,
        audience_rule TEXT,
        sender_pool TEXT,
        from_mailbox TEXT,
        rate_per_hour INTEGER NOT NULL,
        concurrency INTEGER NOT NULL,
        scheduled_at ${T},
        send_window TEXT,
        bounce_pause_bp INTEGER,
        bounce_pause_min INTEGER NOT NULL,
        status TEXT NOT NULL,
        status_reason TEXT,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL,
        started_at ${T},
        finished_at ${T},
        checkpoint TEXT,
        audience_done INTEGER NOT NULL DEFAULT 0,
        targeted INTEGER NOT NULL DEFAULT 0,
        materialised INTEGER NOT NULL DEFAULT 0,
        skipped_unsubscribed INTEGER NOT NULL DEFAULT 0,
        skipped_bounced INTEGER NOT NULL DEFAULT 0,
        skipped_complained INTEGER NOT NULL DEFAULT 0,
        skipped_suppressed INTEGER NOT NULL DEFAULT 0,
        skipped_missing INTEGER NOT NULL DEFAULT 0,
        unsubscribed INTEGER NOT NULL DEFAULT 0,
        runner_owner TEXT,
        runner_until ${T},
        rate_tat ${T},
        samples TEXT NOT NULL DEFAULT '[]'
      )`,
      `CREATE INDEX ix_campaigns_status ON campaigns (status, id)`,
      // The primary key is the "never twice" guarantee at the recipient level: one row per contact and campaign.
      `CREATE TABLE campaign_recipients (
        campaign_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        message_id TEXT,
        skip_reason TEXT,
        created_at ${T} NOT NULL,
        PRIMARY KEY (campaign_id, contact_id)
      )${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
      'ALTER TABLE messages ADD COLUMN campaign_id TEXT',
      // One index serves the runner and the stats: held messages in id order (status, queue_state IS NULL, id),
      // the few in the queue or being sent, and counts by status. Only campaign messages enter it.
      `CREATE INDEX ix_messages_campaign ON messages (campaign_id, status, queue_state, id) WHERE campaign_id IS NOT NULL`,
    ],
  };
}
