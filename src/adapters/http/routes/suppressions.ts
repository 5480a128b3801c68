import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Suppression } from '../../../ports/store.js';
import { AddSuppressionsSchema, SUPPRESSION_REASONS, type Suppressions } from '../../../services/suppressions.js';
import { errorResponses } from '../schemas.js';

const SuppressionSchema = Type.Object({ address: Type.String(), reason: Type.String(), detail: Type.Union([Type.String(), Type.Null()]), message_id: Type.Union([Type.String(), Type.Null()]), created_at: Type.String() });
const view = (s: Suppression) => ({ address: s.address, reason: s.reason, detail: s.detail, message_id: s.messageId, created_at: new Date(s.createdAt).toISOString() });
const AddressParams = Type.Object({ address: Type.String({ minLength: 3, maxLength: 320 }) });

/** /api/v1/suppressions: list, look up, add, remove. */
export function suppressionRoutes(suppressions: Suppressions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/suppressions', {
      config: { scope: 'read' },
      schema: {
        tags: ['suppressions'], summary: 'Suppressed addresses, newest first',
        querystring: Type.Object({
          reason: Type.Optional(Type.Union(SUPPRESSION_REASONS.map((r) => Type.Literal(r)))),
          cursor: Type.Optional(Type.String({ maxLength: 400 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(SuppressionSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    }, async (req) => {
      const limit = req.query.limit ?? 100;
      const rows = await suppressions.list({ limit, reason: req.query.reason, cursor: req.query.cursor });
      const last = rows[rows.length - 1];
      return { data: rows.map(view), next_cursor: rows.length === limit && last ? `${last.createdAt}:${last.address}` : null };
    });

    app.get('/suppressions/:address', {
      config: { scope: 'read' },
      schema: { tags: ['suppressions'], summary: 'Is this address suppressed, and why', params: AddressParams, response: { 200: SuppressionSchema, ...errorResponses } },
    }, async (req) => view(await suppressions.get(req.params.address)));

    app.post('/suppressions', {
      config: { scope: 'admin' },
      schema: { tags: ['suppressions'], summary: 'Suppress addresses', body: AddSuppressionsSchema, response: { 200: Type.Object({ added: Type.Integer(), already: Type.Integer() }), ...errorResponses } },
    }, async (req) => suppressions.add(req.body));

    app.delete('/suppressions/:address', {
      config: { scope: 'admin' },
      schema: { tags: ['suppressions'], summary: 'Allow sending to an address again', params: AddressParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await suppressions.remove(req.params.address);
      return reply.status(204).send(null);
    });
  };
}
