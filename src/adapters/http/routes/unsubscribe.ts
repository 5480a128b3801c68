import { Type } from '@sinclair/typebox';
import type { FastifyError } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_UNSUBSCRIBE_TOKEN } from '../../../domain/unsubscribe-token.js';
import { maskEmail, type Unsubscribe } from '../../../services/unsubscribe.js';
import { HTTP_STATUS, toAppError } from '../error-handler.js';
import { ErrorSchema } from '../schemas.js';
import { confirmPage, donePage, errorPage } from '../unsubscribe-page.js';

const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: MAX_UNSUBSCRIBE_TOKEN }) }, { additionalProperties: false });
const OneClickBody = Type.Object({ 'List-Unsubscribe': Type.Literal('One-Click', { description: 'RFC 8058 one-click body' }) });
const Html = Type.String({ description: 'An HTML page' });
const errors = { 400: ErrorSchema, 404: ErrorSchema, 415: ErrorSchema };
const HTML = 'text/html; charset=utf-8';
const FORM_LIMIT = 4096;

/** The `List-Unsubscribe` field of a multipart/form-data body (what some mail clients post), or undefined. */
function multipartField(body: string): string | undefined {
  const m = /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]*)/i.exec(body);
  return m ? m[1] : undefined;
}

/**
 * Public unsubscribe endpoints (no API key: the signed token is the credential). GET shows a confirmation page
 * and changes nothing, so link scanners that fetch URLs cannot unsubscribe anyone; POST with the RFC 8058 body
 * `List-Unsubscribe=One-Click` (form-encoded, as mail clients and the page's form send it) unsubscribes.
 * Browsers get error pages in HTML, other clients the usual JSON error; both carry the catalogue code.
 */
export function unsubscribeRoutes(unsubscribe: Unsubscribe): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Form bodies are accepted here only; the rest of the API speaks JSON.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_req, body, done) => {
      const v = multipartField(body as string);
      done(null, v === undefined ? {} : { 'List-Unsubscribe': v });
    });
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const e = toAppError(err);
      const status = HTTP_STATUS[e.code];
      if (status >= 500) req.log.error({ err }, 'unsubscribe request failed');
      if ((req.headers.accept ?? '').includes('text/html')) return reply.status(status).type(HTML).send(errorPage(e.code, e.message));
      return reply.status(status).send({ error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
    });

    app.get('/u/:token', {
      schema: { tags: ['unsubscribe'], summary: 'Unsubscribe confirmation page (changes nothing)', params: TokenParams, response: { 200: Html, ...errors } },
    }, async (req, reply) => reply.type(HTML).send(confirmPage(await unsubscribe.page(req.params.token), req.params.token)));

    app.post('/u/:token', {
      schema: {
        tags: ['unsubscribe'], summary: 'One-click unsubscribe (RFC 8058): body List-Unsubscribe=One-Click, form-encoded',
        params: TokenParams, body: OneClickBody, response: { 200: Html, ...errors },
      },
    }, async (req, reply) => {
      const out = await unsubscribe.oneClick(req.params.token);
      return reply.type(HTML).send(donePage(maskEmail(out.address), out.changed));
    });
  };
}
