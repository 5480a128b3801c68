import { Type, type Static } from '@sinclair/typebox';
import { ACCOUNT_TYPES, SENDER_KINDS } from '../domain/sender.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:@-]*$', description: 'Letters, digits and _ . : @ -' });
const Limit = (description: string) => Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()], { description });

/** A sending window: weekdays (0 = Sunday), local start and end (HH:MM), IANA time zone. */
export const WindowSchema = Type.Object({
  days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7 }),
  start: Type.String({ description: 'HH:MM, inclusive' }),
  end: Type.String({ description: 'HH:MM, exclusive; before start = spans midnight' }),
  time_zone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' }),
}, { additionalProperties: false });

/** A warm-up ramp: `initial` a day, times `growth` each day from `start`, up to `max`. */
export const WarmupSchema = Type.Object({
  initial: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  growth: Type.Number({ exclusiveMinimum: 1, maximum: 10 }),
  max: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  start: Type.Optional(Type.String({ format: 'date-time', description: 'Day 0 of the ramp (default: now)' })),
}, { additionalProperties: false });

/** SES identity settings; the keys are sealed at rest and never returned. */
export const SesSchema = Type.Object({
  region: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9-]+$' }),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Another SES endpoint (default: the region\'s)' })),
  access_key_id: Type.String({ minLength: 1, maxLength: 128 }),
  secret_access_key: Type.String({ minLength: 1, maxLength: 256 }),
}, { additionalProperties: false });

const limitFields = {
  daily_limit: Type.Optional(Limit('Sends over any rolling 24 hours; null = unlimited. Default: Workspace 2,000, trial 500, consumer Gmail 500, others unlimited.')),
  per_second: Type.Optional(Limit('Sends per second (spaced evenly); null = no limit')),
  per_minute: Type.Optional(Limit('Sends per minute (spaced evenly); null = no limit. Default for gmail senders: 150 (15,000 quota units at 100 a send)')),
  max_in_flight: Type.Optional(Limit('Sends awaiting an answer at once, per worker process; null = no limit')),
  warmup: Type.Optional(Type.Union([WarmupSchema, Type.Null()])),
  window: Type.Optional(Type.Union([WindowSchema, Type.Null()])),
};

/** Body of POST /senders. */
export const CreateSenderSchema = Type.Object({
  id: Type.Optional(Id),
  kind: Type.Union(SENDER_KINDS.map((k) => Type.Literal(k))),
  email: Type.String({ minLength: 3, maxLength: 320, description: 'The From address (the Workspace user for gmail)' }),
  from_name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  smtp_url: Type.Optional(Type.String({ minLength: 8, maxLength: 2000, description: 'smtp://user:pass@host:port (smtp senders); sealed at rest, never returned' })),
  ses: Type.Optional(SesSchema),
  service_account_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'gmail senders: the service account that reaches this user' })),
  ...limitFields,
}, { additionalProperties: false });

/** Body of PATCH /senders/:id: any subset (kind and id never change). */
export const UpdateSenderSchema = Type.Object({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
  from_name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
  smtp_url: Type.Optional(Type.String({ minLength: 8, maxLength: 2000 })),
  ses: Type.Optional(SesSchema),
  ...limitFields,
}, { additionalProperties: false, minProperties: 1 });

const MemberRef = Type.Union([
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
]);

/** Rotation strategies a pool may use. */
export const STRATEGIES = ['round_robin', 'least_used', 'weighted', 'random'] as const;

/** Body of POST /pools. */
export const CreatePoolSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Lower-case slug' }),
  strategy: Type.Optional(Type.Union(STRATEGIES.map((s) => Type.Literal(s)), { default: 'round_robin' })),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  senders: Type.Optional(Type.Array(MemberRef, { maxItems: 10_000, description: 'Sender ids, or {id, weight}' })),
  service_accounts: Type.Optional(Type.Array(MemberRef, { maxItems: 1000, description: 'Every sender of these service accounts, or {id, weight}' })),
}, { additionalProperties: false });

/** Body of PATCH /pools/:id. */
export const UpdatePoolSchema = Type.Object({
  strategy: Type.Optional(Type.Union(STRATEGIES.map((s) => Type.Literal(s)))),
  description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  senders: Type.Optional(Type.Array(MemberRef, { maxItems: 10_000 })),
  service_accounts: Type.Optional(Type.Array(MemberRef, { maxItems: 1000 })),
}, { additionalProperties: false, minProperties: 1 });

/** Body of POST /service-accounts. The key is the downloaded JSON (as an object or its text). */
export const CreateServiceAccountSchema = Type.Object({
  key: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 20_000 })], { description: 'The Google service-account key file (JSON); sealed at rest, never returned' }),
  admin_email: Type.String({ minLength: 3, maxLength: 320, description: 'A Workspace administrator the service account impersonates to list users' }),
  account_type: Type.Optional(Type.Union(ACCOUNT_TYPES.map((t) => Type.Literal(t)), { default: 'workspace' })),
  sync: Type.Optional(Type.Boolean({ default: true, description: 'List the directory now (default true)' })),
}, { additionalProperties: false });

export type CreateSender = Static<typeof CreateSenderSchema>;
export type UpdateSender = Static<typeof UpdateSenderSchema>;
export type CreatePool = Static<typeof CreatePoolSchema>;
export type UpdatePool = Static<typeof UpdatePoolSchema>;
export type CreateServiceAccount = Static<typeof CreateServiceAccountSchema>;
