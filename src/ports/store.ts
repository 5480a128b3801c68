import type { MessageStatus, EventType } from '../domain/message-status.js';

/** A message as accepted: everything needed to compose and deliver it later. */
export interface NewMessage {
  id: string;
  toAddress: string;
  toName: string | null;
  toDomain: string;
  fromAddress: string;
  fromName: string | null;
  replyTo: string | null;
  templateId: string | null;
  templateVersion: number | null;
  /** Inline content (Liquid), when no template is named. */
  subject: string | null;
  html: string | null;
  text: string | null;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
  tags: string[];
  priority: number;
  dueAt: number;
  idempotencyKey: string | null;
  apiKeyId: string | null;
  maxAttempts: number;
  createdAt: number;
  /** The sender pool to send through (issue 4); absent or null: the default transport. */
  senderPool?: string | null;
}

/**
 * New messages as columns: message i is index i of every array, `variables`, `headers` and `tags` are JSON text.
 * The accept threads hand batches over in this shape (an array per field crosses threads at a fraction of the cost
 * of an object per message, docs/adr/0022-accept-threads.md) and the stores bind it without an object per row.
 */
export interface MessageColumns {
  count: number;
  id: string[];
  priority: number[];
  dueAt: number[];
  maxAttempts: number[];
  toAddress: string[];
  toName: Array<string | null>;
  toDomain: string[];
  fromAddress: string[];
  fromName: Array<string | null>;
  replyTo: Array<string | null>;
  templateId: Array<string | null>;
  templateVersion: Array<number | null>;
  subject: Array<string | null>;
  html: Array<string | null>;
  text: Array<string | null>;
  variables: string[];
  headers: string[];
  tags: string[];
  idempotencyKey: Array<string | null>;
  apiKeyId: Array<string | null>;
  createdAt: number[];
  senderPool: Array<string | null>;
}

/** A stored message with its delivery state. */
export interface MessageRecord extends NewMessage {
  status: MessageStatus;
  attempts: number;
  leaseUntil: number | null;
  sentAt: number | null;
  updatedAt: number;
  transport: string | null;
  providerMessageId: string | null;
  messageIdHeader: string | null;
  lastCode: number | null;
  lastError: string | null;
  processingMs: number | null;
  /** The throttle slot this message holds since a throttle deferral, or null. */
  throttleSlot: number | null;
  senderPool: string | null;
  /** The sender that last took the message (its pool's choice), or null. */
  senderId: string | null;
  /** The sender slot (epoch ms) reserved for this message by a deferral, or null. */
  senderSlot: number | null;
  /** The contact the message is for (campaign messages), or null (transactional mail). */
  contactId: string | null;
}

/** One entry of a message's history. */
export interface MessageEvent {
  messageId: string;
  type: EventType;
  at: number;
  detail: Record<string, unknown> | null;
}

/** The outcome of inserting messages: the id kept for each input, and whether it already existed (idempotency). */
export interface InsertResult {
  id: string;
  duplicate: boolean;
}

/** What a worker records for one claimed message. */
export interface DeliveryResult {
  id: string;
  status: Extract<MessageStatus, 'sent' | 'deferred' | 'failed' | 'bounced' | 'suppressed'>;
  at: number;
  /** For deferred: when to try again. */
  dueAt?: number;
  transport?: string;
  providerMessageId?: string;
  messageIdHeader?: string;
  code?: number;
  error?: string;
  processingMs?: number;
  detail?: Record<string, unknown>;
  /** The attempt did not reach a receiver (throttled before sending): it does not count against max attempts. */
  refund?: boolean;
  /** For a throttle deferral: the slot now held (see MessageRecord.throttleSlot). */
  throttleSlot?: number;
  /** Add the recipient to the suppression list, in the same transaction. */
  suppress?: { reason: SuppressionReason; detail: string };
  /**
   * The claimed message's contactId, passed through: a `sent`, `bounced` or `failed` result of a message with a
   * contact also writes that contact activity (with the message's campaign), in the same transaction. Results
   * without it cost the record nothing more.
   */
  contactId?: string | null;
}

/** Why an address is suppressed. */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual';

/** One suppressed address. */
export interface Suppression {
  address: string;
  reason: SuppressionReason;
  detail: string | null;
  messageId: string | null;
  createdAt: number;
}

/** Filters for the delivery log. */
export interface MessageQuery {
  status?: MessageStatus;
  recipient?: string;
  since?: number;
  until?: number;
  tag?: string;
  /** Opaque cursor: the id after which to continue (ids sort by creation time, newest first). */
  before?: string;
  limit: number;
}

/** A template's identity and current version. */
export interface TemplateRecord {
  id: string;
  name: string;
  category: string | null;
  active: boolean;
  version: number;
  subject: string;
  html: string;
  text: string | null;
  variables: string[];
  createdAt: number;
  updatedAt: number;
}

/** The content of one template version. */
export interface TemplateVersion {
  templateId: string;
  version: number;
  subject: string;
  html: string;
  text: string | null;
  variables: string[];
  createdAt: number;
}

/** An API key as stored: only the hash of the secret is kept. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Queue depth by priority rank and status. */
export interface QueueDepth {
  priority: number;
  status: MessageStatus;
  count: number;
}

/** The store port: every durable fact of Postflow goes through it. SQLite and PostgreSQL implement it alike. */
export interface Store {
  /** "sqlite" or "postgres". */
  readonly dialect: 'sqlite' | 'postgres';
  /** Apply pending forward-only migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** True when every known migration has been applied. */
  migrationsApplied(): Promise<boolean>;
  /** Cheap round trip to check the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Insert messages in one transaction; an existing idempotency key returns the first message's id instead. */
  insertMessages(messages: NewMessage[]): Promise<InsertResult[]>;
  /** The same for messages given as columns (the accept path's shape); results in column order. */
  insertMessageColumns(columns: MessageColumns): Promise<InsertResult[]>;
  /** Lease up to `limit` due messages (priority, then due time) to `owner` until `now + leaseMs`; marks them sending. */
  claimMessages(owner: string, now: number, limit: number, leaseMs: number): Promise<MessageRecord[]>;
  /** Messages whose lease expired before `now`, with the worker that held them (crash recovery looks them up). */
  expiredLeases(now: number, limit: number): Promise<Array<{ id: string; owner: string; contactId: string | null; attempts: number }>>;
  /** Put messages whose lease expired before `now` back in the queue (status deferred, due now). Returns how many. */
  releaseExpiredLeases(now: number): Promise<number>;
  /** Record results of a batch in one transaction; only rows still leased to `owner` change. Returns ids recorded. */
  recordResults(owner: string, results: DeliveryResult[]): Promise<string[]>;
  /** Cancel a waiting message; returns the record after the attempt (null when unknown). */
  cancelMessage(id: string, now: number): Promise<MessageRecord | null>;
  getMessage(id: string): Promise<MessageRecord | null>;
  getEvents(id: string): Promise<MessageEvent[]>;
  listMessages(q: MessageQuery): Promise<MessageRecord[]>;
  /** Due time of the earliest waiting message, or null when none waits. */
  nextDueAt(): Promise<number | null>;
  queueDepth(): Promise<QueueDepth[]>;

  createTemplate(t: Omit<TemplateVersion, 'templateId' | 'version'> & { id: string; name: string; category: string | null; active: boolean }): Promise<TemplateRecord>;
  /** Write a new version (content and/or metadata); returns the template after the update, null when unknown. */
  updateTemplate(id: string, patch: Partial<Pick<TemplateRecord, 'name' | 'category' | 'active' | 'subject' | 'html' | 'text' | 'variables'>>, now: number): Promise<TemplateRecord | null>;
  getTemplate(id: string): Promise<TemplateRecord | null>;
  getTemplateVersion(id: string, version: number): Promise<TemplateVersion | null>;
  listTemplates(): Promise<TemplateRecord[]>;
  /** Soft-delete: the template disappears but its versions stay for messages that used them. */
  deleteTemplate(id: string, now: number): Promise<boolean>;

  /** Add suppressions; an address already listed keeps its first entry. Returns how many were new. */
  addSuppressions(rows: Suppression[]): Promise<number>;
  /** The suppressions among `addresses` (compared lower-cased), keyed by lower-cased address. */
  findSuppressions(addresses: string[]): Promise<Map<string, Suppression>>;
  /** Suppressions, newest first, after the cursor (an address) when given. */
  listSuppressions(q: { limit: number; reason?: SuppressionReason; before?: { createdAt: number; address: string } }): Promise<Suppression[]>;
  /** Remove an address from the list; false when it was not there. */
  removeSuppression(address: string): Promise<boolean>;

  createApiKey(k: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string, now: number): Promise<boolean>;
  touchApiKey(id: string, now: number): Promise<void>;
  countApiKeys(): Promise<number>;
}
