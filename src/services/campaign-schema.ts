import { Type, type Static } from '@sinclair/typebox';

const Window = Type.Object({
  days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, description: 'Weekdays, 0 = Sunday' }),
  start: Type.String({ description: 'HH:MM local time, inclusive', maxLength: 5 }),
  end: Type.String({ description: 'HH:MM local time, exclusive (before start: spans midnight)', maxLength: 5 }),
  time_zone: Type.String({ description: 'IANA time zone, e.g. Europe/Paris', minLength: 1, maxLength: 64 }),
}, { additionalProperties: false });

const Audience = Type.Object({
  segment_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  rule: Type.Optional(Type.Unknown({ description: 'A segment rule (see the segments API)' })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 100, description: 'Contacts having any of these tags' })),
}, { additionalProperties: false, description: 'Exactly one of segment_id, rule or tags' });

// Null comes first in each union: the API's ajv coerces types, and would otherwise turn null into 0 or "".
const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  template_id: Type.String({ minLength: 1, maxLength: 128 }),
  audience: Audience,
  sender_pool: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 128 })])),
  from: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 3, maxLength: 320 })], { description: 'Sender mailbox; default POSTFLOW_FROM' })),
  rate_limit_per_hour: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Emails per hour (seed default 500)' })),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Messages of this campaign out at once (seed default 5)' })),
  scheduled_at: Type.Optional(Type.Union([Type.Null(), Type.String({ format: 'date-time' })], { description: 'Start at this time once started' })),
  sending_window: Type.Optional(Type.Union([Type.Null(), Window])),
  // One schema with two types (not a union): a union's null branch would swallow a coerced 0.
  auto_pause_bounce_rate: Type.Optional(Type.Unsafe<number | null>({ type: ['number', 'null'], minimum: 0, maximum: 1, description: 'Pause when bounces / attempted pass this fraction (default 0.05; null: never)' })),
  auto_pause_min_sends: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Attempts before the bounce rule applies (default 100)' })),
};

/** Body of POST /api/v1/campaigns. */
export const CreateCampaignSchema = Type.Object(fields, { additionalProperties: false });
export type CreateCampaign = Static<typeof CreateCampaignSchema>;

/** Body of PATCH /api/v1/campaigns/:id: any field; once started, only the pacing ones. */
export const UpdateCampaignSchema = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type UpdateCampaign = Static<typeof UpdateCampaignSchema>;

/** Fields that may change after start. */
export const PACING_FIELDS = ['rate_limit_per_hour', 'concurrency', 'sending_window', 'auto_pause_bounce_rate', 'auto_pause_min_sends'] as const;

/** A sending window as the API writes it. */
export type WindowBody = Static<typeof Window>;
