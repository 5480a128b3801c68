import type { Generated } from 'kysely';

/** Column types of the `messages` table (both dialects store times as epoch ms and JSON as text). */
export interface MessagesTable {
  id: string;
  status: string;
  /** 1 = waiting to be claimed, 2 = leased to a worker, NULL = finished. Drives the partial queue indexes. */
  queue_state: number | null;
  priority: number;
  due_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  attempts: number;
  max_attempts: number;
  to_address: string;
  to_name: string | null;
  to_domain: string;
  from_address: string;
  from_name: string | null;
  reply_to: string | null;
  template_id: string | null;
  template_version: number | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  variables: string;
  headers: string;
  tags: string;
  idempotency_key: string | null;
  api_key_id: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  transport: string | null;
  provider_message_id: string | null;
  message_id_header: string | null;
  last_code: number | null;
  last_error: string | null;
  processing_ms: number | null;
  /** The throttle slot (epoch ms) this deferred message already holds, so its next claim does not take another. */
  throttle_slot: number | null;
  /** The sender pool the message names (migration 0002), or null for the default transport. */
  sender_pool: string | null;
  /** The sender that last took the message. */
  sender_id: string | null;
  /** The sender slot (epoch ms) the message holds since a deferral to it, or null. */
  sender_slot: number | null;
  /** The campaign that created the message (migration 0005), or null. */
  campaign_id: string | null;
  /** The contact the message is for (migration 0007; campaign messages), or null: its record writes contact activity. */
  contact_id: string | null;
}

/** Column types of `suppressions`. */
export interface SuppressionsTable {
  address: string;
  reason: string;
  detail: string | null;
  message_id: string | null;
  created_at: number;
}

/** Column types of `message_events`. */
export interface MessageEventsTable {
  id: Generated<number>;
  message_id: string;
  type: string;
  at: number;
  detail: string | null;
}

/** Column types of `templates`. */
export interface TemplatesTable {
  id: string;
  name: string;
  category: string | null;
  active: number;
  current_version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

/** Column types of `template_versions`. */
export interface TemplateVersionsTable {
  template_id: string;
  version: number;
  subject: string;
  html: string;
  text: string | null;
  variables: string;
  created_at: number;
}

/** Column types of `api_keys`. */
export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Column types of `contacts` (migration 0003). */
export interface ContactsTable {
  id: string;
  email: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  /** JSON object text. */
  attributes: string;
  status: string;
  /** Engagement score in thousandths of a point. */
  engagement_milli: number;
  last_engagement: number | null;
  created_at: number;
  updated_at: number;
}

/** Column types of `contact_tags`. */
export interface ContactTagsTable {
  tag: string;
  contact_id: string;
}

/** Column types of `contact_activity`. */
export interface ContactActivityTable {
  id: Generated<number>;
  contact_id: string;
  type: string;
  at: number;
  message_id: string | null;
  /** The campaign the activity came from (migration 0007), or null. */
  campaign_id: string | null;
}

/** Column types of `segments`. */
export interface SegmentsTable {
  id: string;
  name: string;
  description: string | null;
  /** The rule's JSON text. */
  rule: string;
  created_at: number;
  updated_at: number;
}

/** Column types of `contact_imports`. */
export interface ContactImportsTable {
  id: string;
  state: string;
  source: string;
  total_rows: number | null;
  rows_read: number;
  inserted: number;
  updated: number;
  failed: number;
  /** JSON {code, message, field?, line?} or null. */
  error: string | null;
  /** JSON {map, tags}. */
  options: string;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** Column types of `contact_import_errors`. */
export interface ContactImportErrorsTable {
  import_id: string;
  line: number;
  field: string | null;
  message: string;
}

/** Column types of `schema_migrations`. */
export interface SchemaMigrationsTable {
  name: string;
  applied_at: number;
}

/** Column types of `service_accounts` (migration 0002); the key is sealed. */
export interface ServiceAccountsTable {
  id: string;
  client_email: string;
  project_id: string | null;
  key_id: string | null;
  admin_email: string;
  account_type: string;
  sealed_key: string;
  next_send_at: number;
  sync_lease_until: number | null;
  last_sync_at: number | null;
  last_sync_error: string | null;
  synced_users: number | null;
  created_at: number;
  updated_at: number;
}

/** Column types of `senders` (migration 0002); JSON as text, credentials sealed. */
export interface SendersTable {
  id: string;
  kind: string;
  email: string;
  from_name: string | null;
  service_account_id: string | null;
  sealed_secret: string | null;
  settings: string;
  daily_limit: number | null;
  per_second: number | null;
  per_minute: number | null;
  max_in_flight: number | null;
  warmup: string | null;
  send_window: string | null;
  state: string;
  state_until: number | null;
  state_reason: string | null;
  state_source: string | null;
  strikes: number;
  last_error: string | null;
  last_error_at: number | null;
  last_sent_at: number | null;
  used_24h: number;
  window_start_minute: number;
  next_send_at: number;
  created_at: number;
  updated_at: number;
}

/** Column types of `sender_usage`: one row per sender and epoch minute. */
export interface SenderUsageTable {
  sender_id: string;
  minute: number;
  reserved: number;
  sent: number;
}

/** Column types of `pools`. */
export interface PoolsTable {
  id: string;
  strategy: string;
  description: string | null;
  cursor: string | null;
  created_at: number;
  updated_at: number;
}

/** Column types of `pool_members`: a sender or a whole service account. */
export interface PoolMembersTable {
  pool_id: string;
  position: number;
  sender_id: string | null;
  service_account_id: string | null;
  weight: number;
}

/** Column types of `campaigns` (migration 0005); JSON as text. */
export interface CampaignsTable {
  id: string;
  name: string;
  template_id: string;
  template_version: number | null;
  audience: string;
  audience_rule: string | null;
  sender_pool: string | null;
  from_mailbox: string | null;
  rate_per_hour: number;
  concurrency: number;
  scheduled_at: number | null;
  send_window: string | null;
  /** Auto-pause bounce threshold in basis points (500 = 5 %), or null for never. */
  bounce_pause_bp: number | null;
  bounce_pause_min: number;
  status: string;
  status_reason: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  checkpoint: string | null;
  audience_done: number;
  targeted: number;
  materialised: number;
  skipped_unsubscribed: number;
  skipped_bounced: number;
  skipped_complained: number;
  skipped_suppressed: number;
  skipped_missing: number;
  unsubscribed: number;
  runner_owner: string | null;
  runner_until: number | null;
  rate_tat: number | null;
  samples: string;
}

/** Column types of `campaign_recipients`: one row per campaign and contact, with its message or why it was skipped. */
export interface CampaignRecipientsTable {
  campaign_id: string;
  contact_id: string;
  message_id: string | null;
  skip_reason: string | null;
  created_at: number;
}

/** The whole schema as Kysely sees it. */
export interface Database {
  messages: MessagesTable;
  message_events: MessageEventsTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  api_keys: ApiKeysTable;
  suppressions: SuppressionsTable;
  schema_migrations: SchemaMigrationsTable;
  contacts: ContactsTable;
  contact_tags: ContactTagsTable;
  contact_activity: ContactActivityTable;
  segments: SegmentsTable;
  contact_imports: ContactImportsTable;
  contact_import_errors: ContactImportErrorsTable;
  service_accounts: ServiceAccountsTable;
  senders: SendersTable;
  sender_usage: SenderUsageTable;
  pools: PoolsTable;
  pool_members: PoolMembersTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
}

/** One forward-only migration: a name that sorts in order and the statements to run. */
export interface Migration {
  name: string;
  statements: string[];
}
