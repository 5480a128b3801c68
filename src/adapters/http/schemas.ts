import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_STATUSES } from '../../domain/message-status.js';
import { PRIORITIES, priorityName } from '../../domain/priority.js';
import type { MessageEvent, MessageRecord, TemplateRecord, ApiKeyRecord } from '../../ports/store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** The error body every failure answers with. */
export const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable code from docs/errors.md' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The offending field, when there is one' })),
    details: Type.Optional(Type.Unknown()),
  }),
}, { $id: 'Error' });

/** Error responses shared by authenticated routes. */
export const errorResponses = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema };

export const EventSchema = Type.Object({ type: Type.String(), at: Type.String(), detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]) });

/** A message as the API shows it (never its variables' secrets beyond what the caller sent). */
export const MessageSchema = Type.Object({
  id: Type.String(),
  status: Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s))),
  priority: Type.Union(PRIORITIES.map((p) => Type.Literal(p))),
  to: Type.String(),
  from: Type.String(),
  template_id: Nullable(Type.String()),
  template_version: Type.Union([Type.Integer(), Type.Null()]),
  tags: Type.Array(Type.String()),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  send_at: Type.String({ description: 'When the message is (or was) due' }),
  created_at: Type.String(),
  updated_at: Type.String(),
  sent_at: Nullable(Type.String()),
  transport: Nullable(Type.String()),
  provider_message_id: Nullable(Type.String()),
  message_id: Nullable(Type.String({ description: 'The Message-ID header' })),
  last_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Nullable(Type.String()),
  processing_ms: Type.Union([Type.Integer(), Type.Null()], { description: 'Acceptance to last result' }),
  idempotency_key: Nullable(Type.String()),
  sender_pool: Nullable(Type.String({ description: 'The sender pool the message names, if any' })),
  sender: Nullable(Type.String({ description: 'The sender (of its pool) that took the message last' })),
});

export const MessageDetailSchema = Type.Composite([MessageSchema, Type.Object({ events: Type.Array(EventSchema) })]);

/** Shape a stored message for the API. */
export function messageView(m: MessageRecord): Static<typeof MessageSchema> {
  return {
    id: m.id,
    status: m.status,
    priority: priorityName(m.priority),
    to: m.toName ? `${m.toName} <${m.toAddress}>` : m.toAddress,
    from: m.fromName ? `${m.fromName} <${m.fromAddress}>` : m.fromAddress,
    template_id: m.templateId,
    template_version: m.templateVersion,
    tags: m.tags,
    attempts: m.attempts,
    max_attempts: m.maxAttempts,
    send_at: iso(m.dueAt)!,
    created_at: iso(m.createdAt)!,
    updated_at: iso(m.updatedAt)!,
    sent_at: iso(m.sentAt),
    transport: m.transport,
    provider_message_id: m.providerMessageId,
    message_id: m.messageIdHeader,
    last_code: m.lastCode,
    last_error: m.lastError,
    processing_ms: m.processingMs,
    idempotency_key: m.idempotencyKey,
    sender_pool: m.senderPool,
    sender: m.senderId,
  };
}

/** Shape an event for the API. */
export function eventView(e: MessageEvent): Static<typeof EventSchema> {
  return { type: e.type, at: iso(e.at)!, detail: e.detail };
}

export const TemplateSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: Nullable(Type.String()),
  active: Type.Boolean(),
  version: Type.Integer(),
  subject: Type.String(),
  html: Type.String(),
  text: Nullable(Type.String()),
  variables: Type.Array(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** Shape a template for the API. */
export function templateView(t: TemplateRecord): Static<typeof TemplateSchema> {
  return { id: t.id, name: t.name, category: t.category, active: t.active, version: t.version, subject: t.subject, html: t.html, text: t.text, variables: t.variables, created_at: iso(t.createdAt)!, updated_at: iso(t.updatedAt)! };
}

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the secret, to recognise it' }),
  scopes: Type.Array(Type.String()),
  created_at: Type.String(),
  last_used_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
});

/** Shape an API key for the API: never its hash. */
export function apiKeyView(k: ApiKeyRecord): Static<typeof ApiKeySchema> {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, created_at: iso(k.createdAt)!, last_used_at: iso(k.lastUsedAt), revoked_at: iso(k.revokedAt) };
}
