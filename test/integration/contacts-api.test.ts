// The contacts, engagement and segments API over HTTP (inject), on a real SQLite runtime.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  s.app.inject({ method, url: `/api/v1${url}`, headers: s.auth, ...(payload ? { payload } : {}) });
const count = async () => {
  let n = 0;
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: { data: unknown[]; next_cursor: string | null } = (await req('GET', `/contacts?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
    n += page.data.length;
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return n;
};

describe('contacts API', () => {
  it('creates a contact with a normalised email and reads it back by id, email and external id', async () => {
    const res = await req('POST', '/contacts', { email: '  Ann.Lee+news@Example.COM ', first_name: ' Ann ', last_name: 'Lee', company: 'Acme', external_id: 'crm-1', tags: ['vip', 'beta'], attributes: { plan: 'pro', seats: 5 } });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c).toMatchObject({ email: 'ann.lee+news@example.com', first_name: 'Ann', status: 'subscribed', tags: ['beta', 'vip'], attributes: { plan: 'pro', seats: 5 }, engagement_score: 0, last_engagement: null });
    expect((await req('GET', `/contacts/${c.id}`)).json()).toEqual(c);
    expect((await req('GET', `/contacts/by-email/${encodeURIComponent('ANN.LEE+NEWS@example.com')}`)).json()).toEqual(c);
    expect((await req('GET', '/contacts/by-external-id/crm-1')).json()).toEqual(c);
    expect((await req('GET', '/contacts/by-email/nobody%40example.com')).json().error).toMatchObject({ code: 'CONTACT_NOT_FOUND', field: 'email' });
    expect((await req('GET', '/contacts/01NOPE00000000000000000000')).statusCode).toBe(404);
  });

  it('refuses bad input with a coded error naming the field, storing nothing', async () => {
    const before = await count();
    const cases: [object, number, string, string][] = [
      [{ email: 'not-an-email' }, 400, 'VALIDATION_FAILED', 'email'],
      [{ email: 'ANN.LEE+NEWS@EXAMPLE.COM' }, 409, 'CONTACT_EXISTS', 'email'],
      [{ email: 'other@example.com', external_id: 'crm-1' }, 409, 'CONTACT_EXISTS', 'external_id'],
      [{ email: 'x@example.com', phone: '123' }, 400, 'VALIDATION_FAILED', 'phone'],
      [{ email: 'x@example.com', status: 'gone' }, 400, 'VALIDATION_FAILED', 'status'],
      [{ email: 'x@example.com', tags: ['ok', 'a,b'] }, 400, 'VALIDATION_FAILED', 'tags[1]'],
      [{ email: 'x@example.com', attributes: { email: 'dup' } }, 400, 'VALIDATION_FAILED', 'attributes.email'],
      [{ email: 'x@example.com', first_name: 'Ann\r\nBcc: evil@x.com' }, 400, 'VALIDATION_FAILED', 'first_name'],
      [{ first_name: 'No email' }, 400, 'VALIDATION_FAILED', 'email'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await req('POST', '/contacts', body);
      expect({ body, status: res.statusCode, error: res.json().error }).toMatchObject({ body, status, error: { code, field } });
    }
    expect(await count()).toBe(before);
  });

  it('changes a contact: fields replace, attributes merge, tags replace; conflicts and unknown fields refused', async () => {
    const a = (await req('POST', '/contacts', { email: 'pat@example.com', attributes: { plan: 'free', keep: 1 }, tags: ['old'] })).json();
    const u = await req('PATCH', `/contacts/${a.id}`, { first_name: 'Pat', attributes: { plan: 'pro', keep: null, seats: 2 }, tags: ['new'] });
    expect(u.statusCode).toBe(200);
    expect(u.json()).toMatchObject({ first_name: 'Pat', attributes: { plan: 'pro', seats: 2 }, tags: ['new'] });
    expect((await req('PATCH', `/contacts/${a.id}`, { email: 'ann.lee+news@example.com' })).json().error).toMatchObject({ code: 'CONTACT_EXISTS', field: 'email' });
    expect((await req('PATCH', `/contacts/${a.id}`, { nickname: 'P' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'nickname' });
    expect((await req('PATCH', `/contacts/${a.id}`, {})).json().error.code).toBe('VALIDATION_FAILED');
    expect((await req('GET', `/contacts/${a.id}`)).json()).toMatchObject({ email: 'pat@example.com', first_name: 'Pat' });
    expect((await req('DELETE', `/contacts/${a.id}`)).statusCode).toBe(204);
    expect((await req('DELETE', `/contacts/${a.id}`)).json().error.code).toBe('CONTACT_NOT_FOUND');
  });

  it('lists in id order with cursors and filters, and refuses a forged cursor', async () => {
    for (let i = 0; i < 7; i++) await req('POST', '/contacts', { email: `list${i}@example.com`, tags: i % 2 ? ['odd'] : [], status: i === 3 ? 'bounced' : 'subscribed' });
    const first = (await req('GET', '/contacts?limit=3')).json();
    expect(first.data).toHaveLength(3);
    const second = (await req('GET', `/contacts?limit=3&cursor=${first.next_cursor}`)).json();
    expect(second.data[0].id > first.data[2].id).toBe(true);
    const odd = (await req('GET', '/contacts?tag=odd&status=subscribed')).json().data.map((c: { email: string }) => c.email);
    expect(odd).toEqual(['list1@example.com', 'list5@example.com']);
    expect((await req('GET', '/contacts?cursor=nope')).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    expect((await req('GET', '/contacts?status=gone')).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status' });
    expect((await req('GET', '/contacts?segment=01NOPE00000000000000000000')).json().error).toMatchObject({ code: 'SEGMENT_NOT_FOUND', field: 'segment' });
  });

  it('searches by the start of the email, case-insensitively, paged in email order, with filters', async () => {
    for (const e of ['Search.Zed@example.com', 'search.amy@example.com', 'search.bob@example.org', 'searchless@example.com']) {
      expect((await req('POST', '/contacts', { email: e, tags: e.includes('bob') ? ['odd'] : [] })).statusCode).toBe(201);
    }
    const emails = (r: { json: () => { data: { email: string }[] } }) => r.json().data.map((c) => c.email);
    expect(emails(await req('GET', '/contacts?search=%20SEARCH.%20'))).toEqual(['search.amy@example.com', 'search.bob@example.org', 'search.zed@example.com']);
    const page1 = (await req('GET', '/contacts?search=search&limit=2')).json();
    expect(page1.data.map((c: { email: string }) => c.email)).toEqual(['search.amy@example.com', 'search.bob@example.org']);
    expect(page1.next_cursor).toBe('search.bob@example.org');
    const page2 = await req('GET', `/contacts?search=search&limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`);
    expect(emails(page2)).toEqual(['search.zed@example.com', 'searchless@example.com']);
    expect(emails(await req('GET', '/contacts?search=search&tag=odd'))).toEqual(['search.bob@example.org']);
    expect(emails(await req('GET', '/contacts?search=nobody-has-this'))).toEqual([]);
    // An empty search is the plain id-ordered list (and its id cursor rules).
    expect((await req('GET', '/contacts?search=&cursor=nope')).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    expect((await req('GET', `/contacts?search=${'a'.repeat(321)}`)).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'search' });
  });

  it('records engagement: the seed score, last_engagement, activity; an unsubscribe also suppresses the address', async () => {
    const c = (await req('POST', '/contacts', { email: 'eng@example.com' })).json();
    for (const type of ['open', 'click', 'conversion']) expect((await req('POST', `/contacts/${c.id}/events`, { type, message_id: 'm-1' })).statusCode).toBe(200);
    const after = (await req('GET', `/contacts/${c.id}`)).json();
    expect(after.engagement_score).toBe(1.4);
    expect(after.last_engagement).not.toBeNull();
    const unsub = (await req('POST', `/contacts/${c.id}/events`, { type: 'unsubscribe', at: '2020-01-01T00:00:00Z' })).json();
    expect(unsub).toMatchObject({ engagement_score: 0, status: 'unsubscribed', last_engagement: after.last_engagement });
    expect((await req('GET', '/suppressions/eng@example.com')).json()).toMatchObject({ reason: 'unsubscribe' });
    const acts = (await req('GET', `/contacts/${c.id}/activity`)).json().data.map((a: { type: string }) => a.type);
    expect(acts.sort()).toEqual(['clicked', 'converted', 'opened', 'unsubscribed']);
    expect((await req('POST', `/contacts/${c.id}/events`, { type: 'read' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'type' });
    expect((await req('POST', `/contacts/${c.id}/events`, { type: 'open', at: '2999-01-01T00:00:00Z' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'at' });
    expect((await req('POST', '/contacts/01NOPE00000000000000000000/events', { type: 'open' })).json().error.code).toBe('CONTACT_NOT_FOUND');
  });
});

describe('segments API', () => {
  it('refuses a bad rule naming its path, saving nothing', async () => {
    const bad = await req('POST', '/segments', { name: 'Bad', rule: { all: [{ tag: 'vip' }, { status: 'subscribed' }, { attr: 'plan', op: 'like', value: 'p' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'SEGMENT_RULE_INVALID', field: 'rule.all[2].op' });
    expect((await req('POST', '/segments', { name: 'Bad', rule: { any: [{ event: 'opened', within_days: -1 }] } })).json().error.field).toBe('rule.any[0].within_days');
    expect((await req('POST', '/segments', { name: 'Bad', rule: { tag: 'x' }, colour: 'red' })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'colour' });
    expect((await req('GET', '/segments')).json().data).toEqual([]);
  });

  it('saves a segment; its SQL list, its count and in-memory matching agree', async () => {
    const vip = (await req('POST', '/contacts', { email: 'seg-vip@example.com', tags: ['seg-vip'], attributes: { plan: 'pro' } })).json();
    const engaged = (await req('POST', '/contacts', { email: 'seg-eng@example.com', attributes: { plan: 'team' } })).json();
    await req('POST', `/contacts/${engaged.id}/events`, { type: 'open' });
    const rule = { all: [{ status: 'subscribed' }, { any: [{ tag: 'seg-vip' }, { event: 'opened', within_days: 30 }] }, { attr: 'plan', op: 'in', value: ['pro', 'team'] }] };
    const created = await req('POST', '/segments', { name: 'Warm', description: 'VIPs or recent openers', rule });
    expect(created.statusCode).toBe(201);
    const seg = created.json();
    expect(seg).toMatchObject({ name: 'Warm', rule });
    const members = (await req('GET', `/segments/${seg.id}/contacts`)).json().data.map((c: { id: string }) => c.id);
    expect(members).toEqual([vip.id, engaged.id]);
    expect((await req('GET', `/segments/${seg.id}/count`)).json()).toEqual({ count: 2 });
    expect((await req('GET', `/contacts?segment=${seg.id}`)).json().data.map((c: { id: string }) => c.id)).toEqual(members);
    // Every contact: in memory says what SQL said.
    const all = (await req('GET', '/contacts?limit=1000')).json().data as { id: string }[];
    for (const c of all) {
      const m = (await req('GET', `/segments/${seg.id}/contacts/${c.id}`)).json().matches;
      expect({ id: c.id, m }).toEqual({ id: c.id, m: members.includes(c.id) });
    }
    const badPatch = await req('PATCH', `/segments/${seg.id}`, { rule: { not: { attr: 'seats', op: 'gt', value: 'many' } } });
    expect(badPatch.json().error).toMatchObject({ code: 'SEGMENT_RULE_INVALID', field: 'rule.not.value' });
    expect((await req('GET', `/segments/${seg.id}`)).json().rule).toEqual(rule);
    expect((await req('PATCH', `/segments/${seg.id}`, { rule: { tag: 'seg-vip' } })).json().rule).toEqual({ tag: 'seg-vip' });
    expect((await req('GET', `/segments/${seg.id}/count`)).json()).toEqual({ count: 1 });
    expect((await req('DELETE', `/segments/${seg.id}`)).statusCode).toBe(204);
    expect((await req('GET', `/segments/${seg.id}/count`)).json().error.code).toBe('SEGMENT_NOT_FOUND');
  });

  it('describes every contact and segment route in the OpenAPI document', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const p of ['/api/v1/contacts', '/api/v1/contacts/{id}', '/api/v1/contacts/import', '/api/v1/contacts/imports/{id}', '/api/v1/contacts/export', '/api/v1/segments/{id}/contacts']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(Object.keys(doc.paths['/api/v1/contacts/import'].post.requestBody.content)).toEqual(['text/csv']);
  });
});
