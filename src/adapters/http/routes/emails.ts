import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MESSAGE_STATUSES } from '../../../domain/message-status.js';
import { SendRequestSchema, MAX_BATCH } from '../../../services/send-schema.js';
import type { AcceptMessages } from '../../../services/accept-message.js';
import type { QueryMessages } from '../../../services/query-messages.js';
import { MessageDetailSchema, MessageSchema, errorResponses, eventView, messageView } from '../schemas.js';

/** What the email routes use. */
export interface EmailRouteDeps {
  accept: AcceptMessages;
  messages: QueryMessages;
}

const Accepted = Type.Object({ id: Type.String(), status: Type.String(), duplicate: Type.Boolean({ description: 'true when the idempotency key named an earlier message' }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** /api/v1/emails: send, send-batch, status, search, cancel. */
export function emailRoutes(deps: EmailRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/emails/send', {
      config: { scope: 'send' },
      schema: {
        tags: ['emails'], summary: 'Accept one message', description: 'The message is stored before the 202; a repeated idempotency_key answers 200 with the first message.',
        body: SendRequestSchema,
        response: { 200: Accepted, 202: Accepted, ...errorResponses },
      },
    }, async (req, reply) => {
      const r = await deps.accept.sendOne(req.body, req.principal?.keyId ?? null);
      return reply.status(r.duplicate ? 200 : 202).send(r);
    });

    // send-batch takes its body as bytes: parsing and validating 10,000 items is most of accepting them, and
    // AcceptMessages hands large bodies to an accept thread for it (docs/adr/0022-accept-threads.md). The body
    // schema stays for the OpenAPI document; parseSendBatch gives the errors the route's validation gave.
    await app.register(async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.post('/emails/send-batch', {
        config: { scope: 'send' },
        bodyLimit: 256 * 1024 * 1024,
        validatorCompiler: () => () => true,
        schema: {
          tags: ['emails'], summary: `Accept up to ${MAX_BATCH} messages`,
          description: 'Each item is validated alone: valid items are stored together (in one transaction), invalid ones are reported by index.',
          body: Type.Object({ messages: Type.Array(Type.Unknown(), { minItems: 1, description: `Send requests (at most ${MAX_BATCH})` }) }, { additionalProperties: false }),
          response: {
            202: Type.Object({
              queued: Type.Array(Type.Object({ index: Type.Integer(), id: Type.String(), duplicate: Type.Boolean() })),
              rejected: Type.Array(Type.Object({ index: Type.Integer(), code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) })),
            }),
            ...errorResponses,
          },
        },
      }, async (req, reply) => {
        // No body at all (Content-Length: 0) reaches here as undefined: refused as an empty body.
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const r = await deps.accept.sendBatchBody(body, req.principal?.keyId ?? null);
        return reply.status(202).send(r);
      });
    });

    const detail = async (id: string) => {
      const d = await deps.messages.get(id);
      return { ...messageView(d.message), events: d.events.map(eventView) };
    };
    app.get('/emails/:id', {
      config: { scope: 'read' },
      schema: { tags: ['emails'], summary: 'A message with its status and every event', params: IdParams, response: { 200: MessageDetailSchema, ...errorResponses } },
    }, async (req) => detail(req.params.id));
    app.get('/emails/:id/status', {
      config: { scope: 'read' },
      schema: { tags: ['emails'], summary: 'Same as GET /emails/:id', params: IdParams, response: { 200: MessageDetailSchema, ...errorResponses } },
    }, async (req) => detail(req.params.id));

    app.get('/emails', {
      config: { scope: 'read' },
      schema: {
        tags: ['emails'], summary: 'Search the delivery log, newest first',
        querystring: Type.Object({
          status: Type.Optional(Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s)))),
          recipient: Type.Optional(Type.String({ maxLength: 320 })),
          tag: Type.Optional(Type.String({ maxLength: 64 })),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
          cursor: Type.Optional(Type.String({ maxLength: 64, description: 'next_cursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(MessageSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
      },
    }, async (req) => {
      const q = req.query;
      // The schema's date-time format has already refused unparseable times.
      const since = q.since ? Date.parse(q.since) : undefined;
      const limit = q.limit ?? 50;
      const rows = await deps.messages.list({
        status: q.status, recipient: q.recipient, tag: q.tag,
        since, until: q.until ? Date.parse(q.until) : undefined, before: q.cursor, limit,
      });
      return { data: rows.map(messageView), next_cursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
    });

    app.delete('/emails/:id', {
      config: { scope: 'send' },
      schema: { tags: ['emails'], summary: 'Cancel a message that has not been sent', params: IdParams, response: { 200: MessageSchema, ...errorResponses } },
    }, async (req) => messageView(await deps.messages.cancel(req.params.id)));
  };
}
