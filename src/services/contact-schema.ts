import { Type, type Static } from '@sinclair/typebox';
import { CONTACT_STATUSES } from '../domain/contact.js';
import { ENGAGEMENT_TYPES } from '../domain/engagement.js';
import { MAX_TAGS, MAX_TEXT } from '../domain/contact-text.js';

const Text = Type.Union([Type.String({ maxLength: MAX_TEXT }), Type.Null()]);
const Status = Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s)));
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_TAGS, description: 'Tags (case-sensitive; no "," or ";")' });
const Attributes = Type.Record(Type.String(), Type.Unknown(), { description: 'Custom attributes (a JSON object; keys are not contact field names)' });

/** Body of POST /contacts. */
export const CreateContactSchema = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320, description: 'Stored normalised: trimmed and lower-cased' }),
  external_id: Type.Optional(Text),
  first_name: Type.Optional(Text),
  last_name: Type.Optional(Text),
  company: Type.Optional(Text),
  tags: Type.Optional(Tags),
  attributes: Type.Optional(Attributes),
  status: Type.Optional(Status),
}, { additionalProperties: false });
export type CreateContact = Static<typeof CreateContactSchema>;

/** Body of PATCH /contacts/:id: fields given replace; attributes merge (null removes a key); tags replace the set. */
export const PatchContactSchema = Type.Partial(CreateContactSchema, { additionalProperties: false, minProperties: 1 });
export type PatchContact = Static<typeof PatchContactSchema>;

/** Body of POST /contacts/:id/events: one engagement. */
export const EngagementEventSchema = Type.Object({
  type: Type.Union(ENGAGEMENT_TYPES.map((t) => Type.Literal(t))),
  at: Type.Optional(Type.String({ format: 'date-time', description: 'When it happened (default: now); at most a minute ahead' })),
  message_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, { additionalProperties: false });
export type EngagementEvent = Static<typeof EngagementEventSchema>;

/** Body of POST /segments. */
export const CreateSegmentSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  rule: Type.Unknown({ description: 'The rule: {all:[…]}, {any:[…]}, {not:…}, {attr, op, value}, {tag}, {status}, {engagement_score:{gte:…}}, {event, within_days} (docs/adr/0014-segment-rules.md)' }),
}, { additionalProperties: false });
export type CreateSegment = Static<typeof CreateSegmentSchema>;

/** Body of PATCH /segments/:id. */
export const PatchSegmentSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  rule: Type.Optional(Type.Unknown()),
}, { additionalProperties: false, minProperties: 1 });
export type PatchSegment = Static<typeof PatchSegmentSchema>;
