import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  s.app.inject({ method, url: `/api/v1${url}`, headers: s.auth, ...(payload ? { payload } : {}) });

describe('templates', () => {
  it('creates, versions, previews and deletes; messages keep the version they used', async () => {
    const created = await req('POST', '/templates', { id: 'welcome', name: 'Welcome', category: 'onboarding', subject: 'Welcome, {{ first_name | default: "there" }}', html: '<h1>Hello {{ first_name }}</h1><p><a href="https://x.test/start">Start</a></p>' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'welcome', version: 1, active: true, text: null });

    const preview = await req('POST', '/templates/welcome/preview', { variables: { first_name: '<Ann>' } });
    expect(preview.json()).toEqual({ version: 1, subject: 'Welcome, <Ann>', html: '<h1>Hello &lt;Ann&gt;</h1><p><a href="https://x.test/start">Start</a></p>', text: 'Hello <Ann>\n\nStart (https://x.test/start)' });
    expect((await req('POST', '/templates/welcome/preview', {})).json().subject).toBe('Welcome, there');

    const m1 = (await req('POST', '/emails/send', { to: 'a@example.com', template_id: 'welcome', variables: { first_name: 'Ann' } })).json();
    const updated = await req('PUT', '/templates/welcome', { html: '<h1>Hi {{ first_name }}</h1>' });
    expect(updated.json()).toMatchObject({ version: 2, subject: 'Welcome, {{ first_name | default: "there" }}' });
    const m2 = (await req('POST', '/emails/send', { to: 'b@example.com', template_id: 'welcome', variables: { first_name: 'Bob' } })).json();
    expect((await req('GET', `/emails/${m1.id}`)).json().template_version).toBe(1);
    expect((await req('GET', `/emails/${m2.id}`)).json().template_version).toBe(2);

    // Delivery renders each message with the version it recorded.
    s.rt.worker.start();
    const until = Date.now() + 10_000;
    while ((await s.rt.store.getMessage(m1.id))!.status !== 'sent' || (await s.rt.store.getMessage(m2.id))!.status !== 'sent') {
      if (Date.now() > until) throw new Error('not delivered');
      await new Promise((r) => setTimeout(r, 20));
    }
    await s.rt.worker.stop();
    const c1 = (await req('GET', `/outbox/${m1.id}`)).json();
    const c2 = (await req('GET', `/outbox/${m2.id}`)).json();
    expect(c1.html).toContain('<h1>Hello Ann</h1>');
    expect(c2.html).toContain('<h1>Hi Bob</h1>');
    expect(c1.subject).toBe('Welcome, Ann');

    expect((await req('DELETE', '/templates/welcome')).statusCode).toBe(204);
    expect((await req('GET', '/templates/welcome')).json().error.code).toBe('TEMPLATE_NOT_FOUND');
    expect((await req('POST', '/emails/send', { to: 'c@example.com', template_id: 'welcome' })).json().error).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', field: 'template_id' });
  });

  it('refuses a Liquid syntax error with line and column, writing nothing', async () => {
    const res = await req('POST', '/templates', { id: 'broken', name: 'Broken', subject: 'ok', html: '<p>line one</p>\n<p>{% if vip %}VIP</p>' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TEMPLATE_SYNTAX', field: 'html', details: { line: 2, column: 4 } });
    expect(res.json().error.message).toMatch(/line 2, column 4/);
    expect((await req('GET', '/templates/broken')).statusCode).toBe(404);
    const upd = await req('POST', '/templates', { id: 'fine', name: 'Fine', subject: 'ok', html: 'ok' });
    expect(upd.statusCode).toBe(201);
    const bad = await req('PUT', '/templates/fine', { subject: '{{ x | nosuchfilter }}' });
    expect(bad.json().error).toMatchObject({ code: 'TEMPLATE_SYNTAX', field: 'subject' });
    expect((await req('GET', '/templates/fine')).json().version).toBe(1);
  });

  it('refuses bad ids, duplicates and inactive templates', async () => {
    expect((await req('POST', '/templates', { id: 'Bad Id', name: 'x', subject: 's', html: 'h' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'id' });
    await req('POST', '/templates', { id: 'dup', name: 'x', subject: 's', html: 'h' });
    expect((await req('POST', '/templates', { id: 'dup', name: 'x', subject: 's', html: 'h' })).json().error.code).toBe('TEMPLATE_EXISTS');
    await req('PUT', '/templates/dup', { active: false });
    expect((await req('POST', '/emails/send', { to: 'a@example.com', template_id: 'dup' })).json().error.code).toBe('TEMPLATE_INACTIVE');
    expect((await req('PUT', '/templates/dup', {})).json().error.code).toBe('VALIDATION_FAILED');
    expect((await req('GET', '/templates')).json().data.map((t: { id: string }) => t.id)).toEqual(['dup', 'fine']);
  });
});
