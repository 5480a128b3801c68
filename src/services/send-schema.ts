import { Type, type Static } from '@sinclair/typebox';
import { PRIORITIES } from '../domain/priority.js';

/** The body of POST /emails/send and of each item of a batch. Unknown fields are refused. */
export const SendRequestSchema = Type.Object(
  {
    to: Type.String({ minLength: 3, maxLength: 320, description: 'Recipient: "addr@example.com" or "Name <addr@example.com>".' }),
    from: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'Sender; defaults to the configured from address.' })),
    reply_to: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    template_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'A template slug; or give subject + html/text inline.' })),
    subject: Type.Optional(Type.String({ maxLength: 998, description: 'Inline subject (Liquid).' })),
    html: Type.Optional(Type.String({ maxLength: 2_000_000, description: 'Inline HTML body (Liquid, HTML-escaped output).' })),
    text: Type.Optional(Type.String({ maxLength: 2_000_000, description: 'Inline text body (Liquid); derived from the HTML when absent.' })),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Liquid variables.' })),
    priority: Type.Optional(Type.Union(PRIORITIES.map((p) => Type.Literal(p)), { description: 'critical, high, normal (default) or low.' })),
    send_at: Type.Optional(Type.String({ format: 'date-time', description: 'Do not send before this time (ISO 8601).' })),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A repeated key returns the first message.' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra headers (no CR/LF; structural headers are refused).' })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })),
    sender_pool: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Send through this pool of senders (rotation, quotas); default: the configured transport.' })),
  },
  { additionalProperties: false, $id: 'SendRequest' },
);

/** A validated send request. */
export type SendRequest = Static<typeof SendRequestSchema>;

/** Most messages one batch request may carry. */
export const MAX_BATCH = 10_000;
