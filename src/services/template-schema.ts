import { Type, type Static } from '@sinclair/typebox';

const Slug = Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-z0-9][a-z0-9_-]*$', description: 'Lower-case slug: letters, digits, - and _.' });

/** Body of POST /templates. */
export const CreateTemplateSchema = Type.Object(
  {
    id: Slug,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    subject: Type.String({ minLength: 1, maxLength: 998 }),
    html: Type.String({ minLength: 1, maxLength: 2_000_000 }),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 2_000_000 }), Type.Null()])),
    variables: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Body of PUT /templates/:id: any subset; every update writes a new version. */
export const UpdateTemplateSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    category: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 998 })),
    html: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000_000 })),
    text: Type.Optional(Type.Union([Type.String({ maxLength: 2_000_000 }), Type.Null()])),
    variables: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Body of POST /templates/:id/preview. */
export const PreviewSchema = Type.Object({ variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false });

export type CreateTemplate = Static<typeof CreateTemplateSchema>;
export type UpdateTemplate = Static<typeof UpdateTemplateSchema>;
