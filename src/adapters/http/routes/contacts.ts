import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CONTACT_STATUSES } from '../../../domain/contact.js';
import { ACTIVITY_TYPES } from '../../../domain/contact-activity.js';
import type { Contacts } from '../../../services/contacts.js';
import type { RecordEngagement } from '../../../services/record-engagement.js';
import { CreateContactSchema, EngagementEventSchema, PatchContactSchema } from '../../../services/contact-schema.js';
import { errorResponses } from '../schemas.js';
import { ActivitySchema, ContactPageSchema, ContactSchema, activityView, contactView } from './contact-views.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Status = Type.Union(CONTACT_STATUSES.map((s) => Type.Literal(s)));

/** /api/v1/contacts: create, list (paged, by status/tag/segment), read, look up by email or external id, change, delete, engagement events. */
export function contactRoutes({ contacts, engagement }: { contacts: Contacts; engagement: RecordEngagement }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/contacts', {
      config: { scope: 'admin' },
      schema: { tags: ['contacts'], summary: 'Create a contact (email normalised and unique)', body: CreateContactSchema, response: { 201: ContactSchema, ...errorResponses } },
    }, async (req, reply) => reply.status(201).send(contactView(await contacts.create(req.body))));

    app.get('/contacts', {
      config: { scope: 'read' },
      schema: {
        tags: ['contacts'], summary: 'Contacts in id order, paged; filter by status, tag and/or segment; search by the start of the email (then in email order)',
        querystring: Type.Object({
          search: Type.Optional(Type.String({ maxLength: 320, description: 'Emails starting with this (case-insensitive); results come in email order and next_cursor is an email' })),
          status: Type.Optional(Status),
          tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          segment: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A segment id' })),
          cursor: Type.Optional(Type.String({ maxLength: 320, description: 'next_cursor of the previous page (with the same search)' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }, { additionalProperties: false }),
        response: { 200: ContactPageSchema, ...errorResponses },
      },
    }, async (req) => {
      const page = await contacts.list({ ...req.query, limit: req.query.limit ?? 100 });
      return { data: page.contacts.map(contactView), next_cursor: page.nextCursor };
    });

    app.get('/contacts/by-email/:email', {
      config: { scope: 'read' },
      schema: { tags: ['contacts'], summary: 'The contact with this email (compared normalised)', params: Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }), response: { 200: ContactSchema, ...errorResponses } },
    }, async (req) => contactView(await contacts.byEmail(req.params.email)));

    app.get('/contacts/by-external-id/:external_id', {
      config: { scope: 'read' },
      schema: { tags: ['contacts'], summary: 'The contact with this external id', params: Type.Object({ external_id: Type.String({ minLength: 1, maxLength: 256 }) }), response: { 200: ContactSchema, ...errorResponses } },
    }, async (req) => contactView(await contacts.byExternalId(req.params.external_id)));

    app.get('/contacts/:id', {
      config: { scope: 'read' },
      schema: { tags: ['contacts'], summary: 'A contact', params: IdParams, response: { 200: ContactSchema, ...errorResponses } },
    }, async (req) => contactView(await contacts.get(req.params.id)));

    app.patch('/contacts/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['contacts'], summary: 'Change a contact: fields given replace, attributes merge (null removes a key), tags replace', params: IdParams, body: PatchContactSchema, response: { 200: ContactSchema, ...errorResponses } },
    }, async (req) => contactView(await contacts.update(req.params.id, req.body)));

    app.delete('/contacts/:id', {
      config: { scope: 'admin' },
      schema: { tags: ['contacts'], summary: 'Delete a contact with its tags and activity', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    }, async (req, reply) => {
      await contacts.remove(req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/contacts/:id/events', {
      config: { scope: 'send' },
      schema: { tags: ['contacts'], summary: 'Record an engagement (open, click, conversion, unsubscribe): moves the engagement score', params: IdParams, body: EngagementEventSchema, response: { 200: ContactSchema, ...errorResponses } },
    }, async (req) => {
      const at = req.body.at === undefined ? undefined : Date.parse(req.body.at);
      return contactView(await engagement.record(req.params.id, { type: req.body.type, at, messageId: req.body.message_id }));
    });

    app.get('/contacts/:id/activity', {
      config: { scope: 'read' },
      schema: {
        tags: ['contacts'], summary: 'A contact\'s activity, newest first', params: IdParams,
        querystring: Type.Object({ type: Type.Optional(Type.Union(ACTIVITY_TYPES.map((t) => Type.Literal(t)))), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(ActivitySchema) }), ...errorResponses },
      },
    }, async (req) => {
      return { data: (await contacts.activity(req.params.id, req.query.limit ?? 100, req.query.type)).map(activityView) };
    });
  };
}
