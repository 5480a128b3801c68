import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const send = (payload: unknown, headers: Record<string, string> = s.auth) =>
  s.app.inject({ method: 'POST', url: '/api/v1/emails/send', headers, payload: payload as object });
const count = async () => (await s.rt.store.listMessages({ limit: 100_000 })).length;

describe('POST /api/v1/emails/send', () => {
  it('stores the message before answering 202', async () => {
    const res = await send({ to: 'Ann <ann@example.com>', subject: 'Hi {{ name }}', html: '<p>Hi {{ name }}</p>', variables: { name: 'Ann' }, tags: ['t1'], headers: { 'X-Order': '42' } });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ status: 'queued', duplicate: false });
    const stored = await s.rt.store.getMessage(body.id);
    expect(stored).toMatchObject({ status: 'queued', toAddress: 'ann@example.com', toName: 'Ann', toDomain: 'example.com', variables: { name: 'Ann' }, tags: ['t1'], headers: { 'X-Order': '42' } });
  });

  it('gives one message for a repeated idempotency key', async () => {
    const payload = { to: 'idem@example.com', subject: 's', text: 't', idempotency_key: 'order-7' };
    const a = await send(payload);
    const b = await send({ ...payload, subject: 'changed' });
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ id: a.json().id, duplicate: true });
    expect((await s.rt.store.listMessages({ limit: 100, recipient: 'idem@example.com' })).length).toBe(1);
  });

  const bad: Array<[string, unknown, number, string, string | undefined]> = [
    ['missing to', { subject: 's', html: 'h' }, 400, 'VALIDATION_FAILED', 'to'],
    ['invalid to', { to: 'not-an-address', subject: 's', html: 'h' }, 400, 'VALIDATION_FAILED', 'to'],
    ['to with two @', { to: 'a@@b.com', subject: 's', html: 'h' }, 400, 'VALIDATION_FAILED', 'to'],
    ['unknown template', { to: 'a@b.com', template_id: 'nope' }, 404, 'TEMPLATE_NOT_FOUND', 'template_id'],
    ['template syntax error in inline html', { to: 'a@b.com', subject: 's', html: '<p>{{ name </p>' }, 400, 'TEMPLATE_SYNTAX', 'html'],
    ['CR/LF in subject', { to: 'a@b.com', subject: 'Hi\r\nBcc: victim@x.com', html: 'h' }, 400, 'HEADER_INJECTION', 'subject'],
    ['CR/LF in a header', { to: 'a@b.com', subject: 's', html: 'h', headers: { 'X-A': 'v\nBcc: x@y.com' } }, 400, 'HEADER_INJECTION', 'headers.X-A'],
    ['CR/LF in the display name', { to: 'Eve\r\nBcc: x@y.com <a@b.com>', subject: 's', html: 'h' }, 400, 'HEADER_INJECTION', 'to'],
    ['a reserved header', { to: 'a@b.com', subject: 's', html: 'h', headers: { Bcc: 'x@y.com' } }, 400, 'VALIDATION_FAILED', 'headers.Bcc'],
    ['an unknown field', { to: 'a@b.com', subject: 's', html: 'h', cc: 'x@y.com' }, 400, 'VALIDATION_FAILED', 'cc'],
    ['a bad priority', { to: 'a@b.com', subject: 's', html: 'h', priority: 'urgent' }, 400, 'VALIDATION_FAILED', 'priority'],
    ['a bad send_at', { to: 'a@b.com', subject: 's', html: 'h', send_at: 'tomorrow' }, 400, 'VALIDATION_FAILED', 'send_at'],
    ['no body part', { to: 'a@b.com', subject: 's' }, 400, 'VALIDATION_FAILED', 'html'],
    ['template and inline content together', { to: 'a@b.com', template_id: 'x', subject: 's', html: 'h' }, 400, 'VALIDATION_FAILED', 'template_id'],
  ];
  for (const [what, payload, status, code, field] of bad) {
    it(`refuses ${what} with ${code}, storing nothing`, async () => {
      const before = await count();
      const res = await send(payload);
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toMatchObject({ code, ...(field ? { field } : {}) });
      expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
      expect(await count()).toBe(before);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/emails/send', headers: { ...s.auth, 'content-type': 'text/plain' }, payload: 'to=a@b.com' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('authentication and scopes', () => {
  it('refuses a missing, malformed or unknown key', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer pf_unknownunknownunknown' }] as Record<string, string>[]) {
      const res = await send({ to: 'a@b.com', subject: 's', html: 'h' }, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
    }
  });

  it('refuses a read key on a send route, and a revoked key anywhere', async () => {
    const created = await s.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: s.auth, payload: { name: 'reader', scopes: ['read'] } });
    expect(created.statusCode).toBe(201);
    const { secret, id } = created.json();
    expect(secret).toMatch(/^pf_/);
    const reader = { authorization: `Bearer ${secret}` };
    const before = await count();
    const res = await send({ to: 'a@b.com', subject: 's', html: 'h' }, reader);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(await count()).toBe(before);
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/emails', headers: reader })).statusCode).toBe(200);
    const list = await s.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: s.auth });
    expect(list.body).not.toContain(secret);
    expect(list.body).not.toMatch(/"hash"/);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: s.auth })).statusCode).toBe(204);
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/emails', headers: reader })).statusCode).toBe(401);
  });

  it('keeps health, readiness, metrics and the OpenAPI document public', async () => {
    expect((await s.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await s.app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', store: 'sqlite', migrations: 'applied' });
    const metrics = await s.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('email_requests_total');
    expect(metrics.body).toContain('email_queue_size');
    const doc = (await s.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/emails/send', '/api/v1/emails/send-batch', '/api/v1/emails/{id}', '/api/v1/templates', '/api/v1/templates/{id}/preview', '/api/v1/api-keys']));
  });
});

describe('POST /api/v1/emails/send-batch', () => {
  it('queues valid items and reports invalid ones by index', async () => {
    const before = await count();
    const res = await s.app.inject({
      method: 'POST', url: '/api/v1/emails/send-batch', headers: s.auth,
      payload: { messages: [
        { to: 'a1@example.com', subject: 's', html: 'h' },
        { to: 'broken', subject: 's', html: 'h' },
        { to: 'a3@example.com', subject: 's', html: 'h', bogus: true },
        { to: 'a4@example.com', subject: 's', html: 'h', priority: 'high' },
      ] },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.queued.map((q: { index: number }) => q.index)).toEqual([0, 3]);
    expect(body.rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'VALIDATION_FAILED', field: 'messages[1].to' }),
      expect.objectContaining({ index: 2, code: 'VALIDATION_FAILED', field: 'messages[2].bogus' }),
    ]);
    expect(await count()).toBe(before + 2);
  });

  it('refuses a batch of 10,001 whole', async () => {
    const before = await count();
    const messages = Array.from({ length: 10_001 }, (_, i) => ({ to: `b${i}@example.com`, subject: 's', html: 'h' }));
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/emails/send-batch', headers: s.auth, payload: { messages } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'BATCH_TOO_LARGE', field: 'messages' });
    expect(await count()).toBe(before);
  });
});

describe('GET and DELETE /api/v1/emails/:id', () => {
  it('shows the status and events, and cancels a waiting message once', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const { id } = (await send({ to: 'later@example.com', subject: 's', html: 'h', send_at: later })).json();
    const got = await s.app.inject({ url: `/api/v1/emails/${id}`, headers: s.auth });
    expect(got.json()).toMatchObject({ id, status: 'queued', send_at: later, attempts: 0, events: [{ type: 'queued' }] });
    const del = await s.app.inject({ method: 'DELETE', url: `/api/v1/emails/${id}`, headers: s.auth });
    expect(del.json()).toMatchObject({ id, status: 'cancelled' });
    const status = await s.app.inject({ url: `/api/v1/emails/${id}/status`, headers: s.auth });
    expect(status.json().events.map((e: { type: string }) => e.type)).toEqual(['queued', 'cancelled']);
    expect((await s.app.inject({ url: '/api/v1/emails/01NOPE00000000000000000000', headers: s.auth })).json().error.code).toBe('MESSAGE_NOT_FOUND');
  });

  it('pages through the delivery log with filters', async () => {
    const res = await s.app.inject({ url: '/api/v1/emails?limit=2&status=queued', headers: s.auth });
    const body = res.json();
    expect(body.data.length).toBe(2);
    expect(body.data.every((m: { status: string }) => m.status === 'queued')).toBe(true);
    const next = await s.app.inject({ url: `/api/v1/emails?limit=2&status=queued&cursor=${body.next_cursor}`, headers: s.auth });
    expect(next.json().data[0].id < body.data[1].id).toBe(true);
    expect((await s.app.inject({ url: '/api/v1/emails?status=nope', headers: s.auth })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status' });
  });
});

describe('/api/v1/suppressions', () => {
  it('adds, looks up, pages, refuses sends to, and removes suppressed addresses', async () => {
    const add = await s.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: s.auth, payload: { addresses: ['Blocked@Example.com', 'two@example.com'], reason: 'complaint', detail: 'FBL report' } });
    expect(add.json()).toEqual({ added: 2, already: 0 });
    const bad = await s.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: s.auth, payload: { addresses: ['ok@example.com', 'nope'] } });
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'addresses[1]' });
    expect((await s.app.inject({ url: '/api/v1/suppressions/ok@example.com', headers: s.auth })).json().error.code).toBe('SUPPRESSION_NOT_FOUND');
    expect((await s.app.inject({ url: '/api/v1/suppressions/blocked@example.com', headers: s.auth })).json()).toMatchObject({ address: 'blocked@example.com', reason: 'complaint', detail: 'FBL report' });
    const page = (await s.app.inject({ url: '/api/v1/suppressions?limit=1', headers: s.auth })).json();
    expect(page.data.length).toBe(1);
    const page2 = (await s.app.inject({ url: `/api/v1/suppressions?limit=1&cursor=${encodeURIComponent(page.next_cursor)}`, headers: s.auth })).json();
    expect(page2.data[0].address).not.toBe(page.data[0].address);
    const refused = await send({ to: 'blocked@example.com', subject: 's', html: 'h' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'RECIPIENT_SUPPRESSED', field: 'to' });
    expect((await s.app.inject({ method: 'DELETE', url: '/api/v1/suppressions/BLOCKED@example.com', headers: s.auth })).statusCode).toBe(204);
    expect((await send({ to: 'blocked@example.com', subject: 's', html: 'h' })).statusCode).toBe(202);
    const reader = (await s.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: s.auth, payload: { name: 'r', scopes: ['read'] } })).json().secret;
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/suppressions', headers: { authorization: `Bearer ${reader}` }, payload: { addresses: ['x@example.com'] } })).statusCode).toBe(403);
  });
});
