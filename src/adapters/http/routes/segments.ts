import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Segments } from '../../../services/segments.js';
import { CreateSegmentSchema, PatchSegmentSchema } from '../../../services/contact-schema.js';
import { errorResponses } from '../schemas.js';
import { ContactPageSchema, SegmentSchema, contactView, segmentView } from './contact-views.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** /api/v1/segments: saved rules, their contacts (SQL) and whether one contact matches (in memory, same answer). */
export function segmentRoutes(segments: Segments): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/segments', {
      config: { scope: 'admin' },
      schema: { tags: ['segments'], summary: 'Save a segment (the rule is checked; SEGMENT_RULE_INVALID names the bad part)', body: CreateSegmentSchema, response: { 201: SegmentSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(segmentView(await segments.create(req.body))));

    app.get('/segments', {
      config: { scope: 'read' },
      schema: { tags: ['segments'], summary: 'All segments by name', response: { 200: Type.Object({ data: Type.Array(SegmentSchema) }), ...errorResponses } },
    }, async () => ({ data: (await segments.list()).map(segmentView) }));

    app.get('/segments/:id', {
      config: { scope: 'read' },
      schema: { tags: ['segments'], summary: 'A segment', params: IdParams, response: { 200: SegmentSchema, ...errorResponses } },
    }, async (req) => segmentView(await segments.get(req.params.id)));

    app.patch('/segments/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['segments'], summary: 'Change a segment\'s name, description or rule', params: IdParams, body: PatchSegmentSchema, response: { 200: SegmentSchema, ...errorResponses } },
    }, async (req) => segmentView(await segments.update(req.params.id, req.body)));

    app.delete('/segments/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['segments'], summary: 'Delete a segment', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await segments.remove(req.params.id);
      return reply.status(204).send(null);
    });

    app.get('/segments/:id/contacts', {
      config: { scope: 'read' },
      schema: {
        tags: ['segments'], summary: 'The segment\'s contacts now, in id order, paged', params: IdParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }, { additionalProperties: false }),
        response: { 200: ContactPageSchema, ...errorResponses },
      },
    }, async (req) => {
      const page = await segments.contactsOf(req.params.id, { cursor: req.query.cursor, limit: req.query.limit ?? 100 });
      return { data: page.contacts.map(contactView), next_cursor: page.nextCursor };
    });

    app.get('/segments/:id/count', {
      config: { scope: 'read' },
      schema: { tags: ['segments'], summary: 'How many contacts the segment holds now', params: IdParams, response: { 200: Type.Object({ count: Type.Integer() }), ...errorResponses } },
    }, async (req) => ({ count: await segments.count(req.params.id) }));

    app.get('/segments/:id/contacts/:contact_id', {
      config: { scope: 'read' },
      schema: {
        tags: ['segments'], summary: 'Whether one contact is in the segment now (evaluated in memory, as workflow conditions are)',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), contact_id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ matches: Type.Boolean() }), ...errorResponses },
      },
    }, async (req) => ({ matches: await segments.matches(req.params.id, req.params.contact_id) }));
  };
}
