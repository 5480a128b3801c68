import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ManagePools } from '../../../services/pools.js';
import { CreatePoolSchema, UpdatePoolSchema } from '../../../services/sender-schema.js';
import { errorResponses } from '../schemas.js';
import { exactValidation } from '../exact-validation.js';
import { PoolSchema, poolView } from '../sender-views.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** /api/v1/pools: groups of senders a message, campaign or workflow names, with their rotation strategy. */
export function poolRoutes(pools: ManagePools): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/pools', {
      config: { scope: 'read' },
      schema: { tags: ['pools'], summary: 'Pools with their state (ready, exhausted…) and senders', response: { 200: Type.Object({ data: Type.Array(PoolSchema) }), ...errorResponses } },
    }, async () => ({ data: (await pools.list()).map(poolView) }));

    app.post('/pools', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: { tags: ['pools'], summary: 'Create a pool of senders and/or service accounts', body: CreatePoolSchema, response: { 201: PoolSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(poolView(await pools.create(req.body))));

    app.get('/pools/:id', {
      config: { scope: 'read' },
      schema: { tags: ['pools'], summary: 'A pool, its state and what waits for it', params: IdParams, response: { 200: PoolSchema, ...errorResponses } },
    }, async (req) => poolView(await pools.get(req.params.id)));

    app.patch('/pools/:id', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: { tags: ['pools'], summary: 'Change a pool\'s strategy or members', params: IdParams, body: UpdatePoolSchema, response: { 200: PoolSchema, ...errorResponses } },
    }, async (req) => poolView(await pools.update(req.params.id, req.body)));

    app.delete('/pools/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['pools'], summary: 'Delete a pool no message waits for', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await pools.remove(req.params.id);
      return reply.status(204).send(null);
    });
  };
}
