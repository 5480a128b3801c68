import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SCOPES, type ApiKeys } from '../../../services/api-keys.js';
import { ApiKeySchema, apiKeyView, errorResponses } from '../schemas.js';

/** /api/v1/api-keys: create (the secret is shown once), list, revoke. Admin only. */
export function apiKeyRoutes(keys: ApiKeys): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/api-keys', {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'], summary: 'Create an API key; the secret is in this response only',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
        }, { additionalProperties: false }),
        response: { 201: Type.Composite([ApiKeySchema, Type.Object({ secret: Type.String() })]), ...errorResponses },
      },
    }, async (req, reply) => {
      const { key, secret } = await keys.create(req.body.name, req.body.scopes);
      return reply.status(201).send({ ...apiKeyView(key), secret });
    });

    app.get('/api-keys', {
      config: { scope: 'admin' },
      schema: { tags: ['api-keys'], summary: 'All API keys (never their secrets)', response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }), ...errorResponses } },
    }, async () => ({ data: (await keys.list()).map(apiKeyView) }));

    app.delete('/api-keys/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await keys.revoke(req.params.id);
      return reply.status(204).send(null);
    });
  };
}
