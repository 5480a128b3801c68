import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { lazyRequire } from '../../lazy-require.js';
import { AppError } from '../../../domain/errors.js';
import type { CaptureTransport } from '../../transports/capture/capture-transport.js';
import { errorResponses } from '../schemas.js';

const mailparser = lazyRequire<typeof import('mailparser')>('mailparser');

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9A-Z]{26}$' }) });

/** The header block of a raw message as name/value pairs, unfolded; tolerant of LF-only files. */
function headerList(raw: Buffer): Array<{ name: string; value: string }> {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const head = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  return head.split(/\r?\n/).filter((l) => l.indexOf(':') > 0).map((l) => ({ name: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1).trim() }));
}

/** /api/v1/outbox: what the capture transport wrote, for the dashboard. */
export function outboxRoutes(capture: CaptureTransport): FastifyPluginAsyncTypebox {
  const load = async (id: string): Promise<Buffer> => {
    const raw = await capture.read(id);
    if (!raw) throw new AppError('MESSAGE_NOT_FOUND', `no captured message "${id}"`, { field: 'id' });
    return raw;
  };
  return async (app) => {
    app.get('/outbox', {
      config: { scope: 'read' },
      schema: {
        tags: ['outbox'], summary: 'Captured messages, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }),
        response: { 200: Type.Object({ data: Type.Array(Type.Object({ id: Type.String(), size: Type.Integer(), captured_at: Type.String() })) }), ...errorResponses },
      },
    }, async (req) => ({ data: (await capture.list(req.query.limit ?? 50)).map((c) => ({ id: c.id, size: c.size, captured_at: new Date(c.capturedAt).toISOString() })) }));

    app.get('/outbox/:id', {
      config: { scope: 'read' },
      schema: {
        tags: ['outbox'], summary: 'A captured message: headers, text and HTML', params: IdParams,
        response: {
          200: Type.Object({ id: Type.String(), headers: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })), subject: Type.String(), text: Type.String(), html: Type.String() }),
          ...errorResponses,
        },
      },
    }, async (req) => {
      const raw = await load(req.params.id);
      const parsed = await mailparser().simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
      return { id: req.params.id, headers: headerList(raw), subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '' };
    });

    app.get('/outbox/:id/raw', {
      config: { scope: 'read' },
      schema: { tags: ['outbox'], summary: 'The .eml file as captured', params: IdParams },
    }, async (req, reply) => reply.type('message/rfc822').send(await load(req.params.id)));
  };
}
