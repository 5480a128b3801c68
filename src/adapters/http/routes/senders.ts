import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CapacityPlanner } from '../../../services/capacity.js';
import type { ManageSenders } from '../../../services/senders.js';
import { CreateSenderSchema, UpdateSenderSchema } from '../../../services/sender-schema.js';
import { errorResponses } from '../schemas.js';
import { exactValidation } from '../exact-validation.js';
import { CapacitySchema, SenderSchema, capacityView, senderView } from '../sender-views.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** /api/v1/senders: CRUD, pause/resume, usage, and capacity. */
export function senderRoutes(senders: ManageSenders, capacity: CapacityPlanner): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/senders', {
      config: { scope: 'read' },
      schema: {
        tags: ['senders'], summary: 'Senders with their state and use of the last 24 hours',
        querystring: Type.Object({ service_account_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(SenderSchema) }), ...errorResponses },
      },
    }, async (req) => ({ data: (await senders.list({ serviceAccountId: req.query.service_account_id })).map(senderView) }));

    app.post('/senders', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: { tags: ['senders'], summary: 'Create an smtp, ses or gmail sender (credentials are sealed, never returned)', body: CreateSenderSchema, response: { 201: SenderSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(senderView(await senders.create(req.body))));

    app.get('/senders/capacity', {
      config: { scope: 'read' },
      schema: {
        tags: ['senders'], summary: 'What a pool (or every sender) can still send today, its daily capacity, and how long a volume takes',
        querystring: Type.Object({
          pool: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          messages: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
        }, { additionalProperties: false }),
        response: { 200: CapacitySchema, ...errorResponses },
      },
    }, async (req) => capacityView(await capacity.report({ pool: req.query.pool, messages: req.query.messages })));

    app.get('/senders/:id', {
      config: { scope: 'read' },
      schema: { tags: ['senders'], summary: 'A sender with its state and usage', params: IdParams, response: { 200: SenderSchema, ...errorResponses } },
    }, async (req) => senderView(await senders.get(req.params.id)));

    app.patch('/senders/:id', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: { tags: ['senders'], summary: 'Change a sender\'s address, credentials or limits', params: IdParams, body: UpdateSenderSchema, response: { 200: SenderSchema, ...errorResponses } },
    }, async (req) => senderView(await senders.update(req.params.id, req.body)));

    app.delete('/senders/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['senders'], summary: 'Remove a sender (and its pool memberships)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await senders.remove(req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/senders/:id/pause', {
      config: { scope: 'admin' },
      validatorCompiler: exactValidation,
      schema: {
        tags: ['senders'], summary: 'Take a sender out of rotation until resumed', params: IdParams,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false })),
        response: { 200: SenderSchema, ...errorResponses },
      },
    }, async (req) => senderView(await senders.pause(req.params.id, req.body?.reason)));

    app.post('/senders/:id/resume', {
      config: { scope: 'admin' },
      schema: { tags: ['senders'], summary: 'Put a sender back in rotation (from paused, error, cooling down or exhausted)', params: IdParams, response: { 200: SenderSchema, ...errorResponses } },
    }, async (req) => senderView(await senders.resume(req.params.id)));
  };
}
