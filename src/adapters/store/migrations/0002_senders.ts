import type { Migration } from '../schema.js';

/**
 * 0002_senders: sending accounts (issue 4) — service accounts, senders, pools and the per-minute quota ledger;
 * messages learn the pool they name, the sender that took them and the sender slot they hold.
 *
 * `sender_usage` holds one row per sender and minute: `reserved` counts sends against the rolling-24h limit
 * (taken under the sender's row lock, see SqlSenderStore.reserve), `sent` the ones that succeeded. `senders`
 * carries the window's running sum (`used_24h` from `window_start_minute` on), so a reservation reads one row per
 * sender instead of summing up to 1,440 buckets, and the GCRA time of its next conforming send (`next_send_at`).
 */
export function senders(types: { time: string }): Migration {
  const T = types.time;
  return {
    name: '0002_senders',
    statements: [
      `CREATE TABLE service_accounts (
        id TEXT PRIMARY KEY,
        client_email TEXT NOT NULL UNIQUE,
        project_id TEXT,
        key_id TEXT,
        admin_email TEXT NOT NULL,
        account_type TEXT NOT NULL,
        sealed_key TEXT NOT NULL,
        next_send_at ${T} NOT NULL DEFAULT 0,
        sync_lease_until ${T},
        last_sync_at ${T},
        last_sync_error TEXT,
        synced_users INTEGER,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL
      )`,
      `CREATE TABLE senders (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        email TEXT NOT NULL,
        from_name TEXT,
        service_account_id TEXT,
        sealed_secret TEXT,
        settings TEXT NOT NULL,
        daily_limit INTEGER,
        per_second INTEGER,
        per_minute INTEGER,
        max_in_flight INTEGER,
        warmup TEXT,
        send_window TEXT,
        state TEXT NOT NULL,
        state_until ${T},
        state_reason TEXT,
        state_source TEXT,
        strikes INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_at ${T},
        last_sent_at ${T},
        used_24h INTEGER NOT NULL DEFAULT 0,
        window_start_minute INTEGER NOT NULL DEFAULT 0,
        next_send_at ${T} NOT NULL DEFAULT 0,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL
      )`,
      // One gmail sender per Workspace user of an account: directory syncs in two processes cannot both create it.
      `CREATE UNIQUE INDEX ux_senders_account_email ON senders (service_account_id, email) WHERE service_account_id IS NOT NULL`,
      `CREATE TABLE sender_usage (
        sender_id TEXT NOT NULL,
        minute INTEGER NOT NULL,
        reserved INTEGER NOT NULL DEFAULT 0,
        sent INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (sender_id, minute)
      )`,
      `CREATE TABLE pools (
        id TEXT PRIMARY KEY,
        strategy TEXT NOT NULL,
        description TEXT,
        cursor TEXT,
        created_at ${T} NOT NULL,
        updated_at ${T} NOT NULL
      )`,
      // A member is one sender or one whole service account (every sender it has now or gets later).
      `CREATE TABLE pool_members (
        pool_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        sender_id TEXT,
        service_account_id TEXT,
        weight INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (pool_id, position)
      )`,
      `CREATE INDEX ix_pool_members_sender ON pool_members (sender_id) WHERE sender_id IS NOT NULL`,
      `CREATE INDEX ix_pool_members_account ON pool_members (service_account_id) WHERE service_account_id IS NOT NULL`,
      'ALTER TABLE messages ADD COLUMN sender_pool TEXT',
      'ALTER TABLE messages ADD COLUMN sender_id TEXT',
      `ALTER TABLE messages ADD COLUMN sender_slot ${T}`,
      // Only messages that name a pool enter this index: "how many wait for pool p" stays cheap, the rest pay nothing.
      `CREATE INDEX ix_messages_pool_waiting ON messages (sender_pool) WHERE queue_state = 1 AND sender_pool IS NOT NULL`,
    ],
  };
}
