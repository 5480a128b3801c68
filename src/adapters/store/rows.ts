import type { Insertable, Selectable } from 'kysely';
import type { MessageStatus, EventType } from '../../domain/message-status.js';
import type { ApiKeyRecord, MessageColumns, MessageEvent, MessageRecord, NewMessage, Suppression, SuppressionReason, TemplateRecord, TemplateVersion } from '../../ports/store.js';
import type { ApiKeysTable, MessageEventsTable, MessagesTable, SuppressionsTable, TemplatesTable, TemplateVersionsTable } from './schema.js';

/** queue_state values (see schema.ts). */
export const QUEUE_WAITING = 1;
export const QUEUE_LEASED = 2;

/** The row written for a newly accepted message. */
export function messageToRow(m: NewMessage): Insertable<MessagesTable> {
  return {
    id: m.id,
    status: 'queued',
    queue_state: QUEUE_WAITING,
    priority: m.priority,
    due_at: m.dueAt,
    lease_owner: null,
    lease_until: null,
    attempts: 0,
    max_attempts: m.maxAttempts,
    to_address: m.toAddress,
    to_name: m.toName,
    to_domain: m.toDomain,
    from_address: m.fromAddress,
    from_name: m.fromName,
    reply_to: m.replyTo,
    template_id: m.templateId,
    template_version: m.templateVersion,
    subject: m.subject,
    html: m.html,
    text: m.text,
    variables: JSON.stringify(m.variables),
    headers: JSON.stringify(m.headers),
    tags: JSON.stringify(m.tags),
    idempotency_key: m.idempotencyKey,
    api_key_id: m.apiKeyId,
    created_at: m.createdAt,
    updated_at: m.createdAt,
    sent_at: null,
    transport: null,
    provider_message_id: null,
    message_id_header: null,
    last_code: null,
    last_error: null,
    processing_ms: null,
    throttle_slot: null,
    sender_pool: m.senderPool ?? null,
  };
}

/** Messages as columns, variables/headers/tags serialized: what insertMessages hands to insertMessageColumns. */
export function messageColumns(ms: NewMessage[]): MessageColumns {
  const col = <T>(f: (m: NewMessage) => T): T[] => ms.map(f);
  return {
    count: ms.length,
    id: col((m) => m.id),
    priority: col((m) => m.priority),
    dueAt: col((m) => m.dueAt),
    maxAttempts: col((m) => m.maxAttempts),
    toAddress: col((m) => m.toAddress),
    toName: col((m) => m.toName),
    toDomain: col((m) => m.toDomain),
    fromAddress: col((m) => m.fromAddress),
    fromName: col((m) => m.fromName),
    replyTo: col((m) => m.replyTo),
    templateId: col((m) => m.templateId),
    templateVersion: col((m) => m.templateVersion),
    subject: col((m) => m.subject),
    html: col((m) => m.html),
    text: col((m) => m.text),
    variables: col((m) => JSON.stringify(m.variables)),
    headers: col((m) => JSON.stringify(m.headers)),
    tags: col((m) => JSON.stringify(m.tags)),
    idempotencyKey: col((m) => m.idempotencyKey),
    apiKeyId: col((m) => m.apiKeyId),
    createdAt: col((m) => m.createdAt),
    senderPool: col((m) => m.senderPool ?? null),
  };
}

/** Columns [from, to) of `c` (every array sliced). */
export function sliceColumns(c: MessageColumns, from: number, to: number): MessageColumns {
  const out = { count: Math.max(0, Math.min(to, c.count) - from) } as MessageColumns;
  for (const [k, v] of Object.entries(c)) if (Array.isArray(v)) (out as unknown as Record<string, unknown[]>)[k] = v.slice(from, to);
  return out;
}

/** The row of message `i` of `c`: messageToRow's row for the same message. */
export function columnRow(c: MessageColumns, i: number): Insertable<MessagesTable> {
  return {
    ...messageToRow({
      id: c.id[i]!, toAddress: c.toAddress[i]!, toName: c.toName[i]!, toDomain: c.toDomain[i]!, fromAddress: c.fromAddress[i]!,
      fromName: c.fromName[i]!, replyTo: c.replyTo[i]!, templateId: c.templateId[i]!, templateVersion: c.templateVersion[i]!,
      subject: c.subject[i]!, html: c.html[i]!, text: c.text[i]!, variables: {}, headers: {}, tags: [], priority: c.priority[i]!,
      dueAt: c.dueAt[i]!, idempotencyKey: c.idempotencyKey[i]!, apiKeyId: c.apiKeyId[i]!, maxAttempts: c.maxAttempts[i]!,
      createdAt: c.createdAt[i]!, senderPool: c.senderPool[i]!,
    }),
    variables: c.variables[i]!, headers: c.headers[i]!, tags: c.tags[i]!,
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

/** A stored row as the record the rest of Postflow sees. */
export function rowToMessage(r: Selectable<MessagesTable>): MessageRecord {
  return {
    id: r.id,
    status: r.status as MessageStatus,
    priority: num(r.priority),
    dueAt: num(r.due_at),
    leaseUntil: numOrNull(r.lease_until),
    attempts: num(r.attempts),
    maxAttempts: num(r.max_attempts),
    toAddress: r.to_address,
    toName: r.to_name,
    toDomain: r.to_domain,
    fromAddress: r.from_address,
    fromName: r.from_name,
    replyTo: r.reply_to,
    templateId: r.template_id,
    templateVersion: numOrNull(r.template_version),
    subject: r.subject,
    html: r.html,
    text: r.text,
    variables: JSON.parse(r.variables) as Record<string, unknown>,
    headers: JSON.parse(r.headers) as Record<string, string>,
    tags: JSON.parse(r.tags) as string[],
    idempotencyKey: r.idempotency_key,
    apiKeyId: r.api_key_id,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    sentAt: numOrNull(r.sent_at),
    transport: r.transport,
    providerMessageId: r.provider_message_id,
    messageIdHeader: r.message_id_header,
    lastCode: numOrNull(r.last_code),
    lastError: r.last_error,
    processingMs: numOrNull(r.processing_ms),
    throttleSlot: numOrNull(r.throttle_slot),
    senderPool: r.sender_pool ?? null,
    senderId: r.sender_id ?? null,
    senderSlot: numOrNull(r.sender_slot),
    contactId: r.contact_id ?? null,
  };
}

/** An event row as a record. */
export function rowToEvent(r: Selectable<MessageEventsTable>): MessageEvent {
  return { messageId: r.message_id, type: r.type as EventType, at: num(r.at), detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null };
}

/** A template row joined with its current version. */
export function rowToTemplate(t: Selectable<TemplatesTable>, v: Selectable<TemplateVersionsTable>): TemplateRecord {
  return {
    id: t.id,
    name: t.name,
    category: t.category,
    active: num(t.active) === 1,
    version: num(t.current_version),
    subject: v.subject,
    html: v.html,
    text: v.text,
    variables: JSON.parse(v.variables) as string[],
    createdAt: num(t.created_at),
    updatedAt: num(t.updated_at),
  };
}

/** A template version row as a record. */
export function rowToTemplateVersion(v: Selectable<TemplateVersionsTable>): TemplateVersion {
  return {
    templateId: v.template_id,
    version: num(v.version),
    subject: v.subject,
    html: v.html,
    text: v.text,
    variables: JSON.parse(v.variables) as string[],
    createdAt: num(v.created_at),
  };
}

/** An API key row as a record. */
export function rowToApiKey(r: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    hash: r.hash,
    scopes: JSON.parse(r.scopes) as string[],
    createdAt: num(r.created_at),
    lastUsedAt: numOrNull(r.last_used_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

/** The event row for a recorded delivery result. */
export function eventRow(messageId: string, type: EventType, at: number, detail: Record<string, unknown> | null): Insertable<MessageEventsTable> {
  return { message_id: messageId, type, at, detail: detail ? JSON.stringify(detail) : null };
}

/** A suppression row as a record. */
export function rowToSuppression(r: Selectable<SuppressionsTable>): Suppression {
  return { address: r.address, reason: r.reason as SuppressionReason, detail: r.detail, messageId: r.message_id, createdAt: num(r.created_at) };
}
