// Campaigns over HTTP (inject) with the real runner and delivery workers sending over SMTP to an in-process sink:
// validation and lifecycle errors, a whole campaign with skips, the List-Unsubscribe headers and the one-click
// POST they lead to, statistics, scheduling, duplicate, pacing edits and the bounce auto-pause.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SmtpSink, type ReceivedMessage } from '../../src/adapters/sink/smtp-sink.js';
import { parseReplyRule } from '../../src/adapters/sink/reply-rules.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../../src/adapters/store/sql-segment-store.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { countByRecipient, seedContacts, unsubscribeUrl } from '../support/campaign-seed.js';
import { waitFor } from '../support/process.js';

let srv: TestServer;
let sink: SmtpSink;
const received: ReceivedMessage[] = [];
let contacts: SqlContactStore;
let sinkPort: number;

beforeAll(async () => {
  sink = new SmtpSink({ onMessage: (m) => void received.push(m), replies: [parseReplyRule('*@bounce.test=550 5.1.1 No such user')] });
  const { port } = await sink.listen(0, '127.0.0.1');
  sinkPort = port;
  srv = await startTestServer({
    POSTFLOW_SMTP_URL: `smtp://127.0.0.1:${port}`, POSTFLOW_DOMAIN_LIMITS: '*=0', POSTFLOW_DELIVERY_THREADS: '0',
    POSTFLOW_PUBLIC_URL: 'https://mail.example.org/', POSTFLOW_UNSUBSCRIBE_MAILTO: 'unsubscribe@example.org', POSTFLOW_LEASE_MS: '5000',
  }, { startWorkers: true });
  srv.rt.campaigns.runner.start();
  contacts = new SqlContactStore((srv.rt.store as SqlStore).sqlContext());
  const res = await api('POST', '/api/v1/templates', { id: 'news', name: 'News', subject: 'News for {{ first_name }}', html: '<p>Hi {{ first_name }}, n={{ n }}. <a href="{{ unsubscribe_url }}">unsubscribe</a></p>' });
  expect(res.statusCode).toBe(201);
});

afterAll(async () => {
  await srv?.rt.campaigns.runner.stop();
  await srv?.close();
  await sink?.close();
});

async function api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return srv.app.inject({ method, url, headers: srv.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
}

const sql = () => (srv.rt.store as SqlStore).sqlContext();
const campaign = (over: Record<string, unknown> = {}) => ({ name: 'Spring', template_id: 'news', audience: { tags: ['spring'] }, rate_limit_per_hour: 3_600_000, concurrency: 20, ...over });

describe('campaigns API', () => {
  it('refuses bad input with coded errors naming the field, writing nothing', async () => {
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [campaign({ template_id: 'nope' }), 404, 'TEMPLATE_NOT_FOUND', 'template_id'],
      [campaign({ rate_limit_per_hour: 0 }), 400, 'VALIDATION_FAILED', 'rate_limit_per_hour'],
      [campaign({ concurrency: 0 }), 400, 'VALIDATION_FAILED', 'concurrency'],
      [campaign({ audience: { tags: ['a'], segment_id: 's' } }), 400, 'VALIDATION_FAILED', 'audience'],
      [campaign({ audience: {} }), 400, 'VALIDATION_FAILED', 'audience'],
      [campaign({ audience: { segment_id: 'missing' } }), 404, 'SEGMENT_NOT_FOUND', 'audience.segment_id'],
      [campaign({ audience: { rule: { all: [{ attr: 'plan', op: 'bogus', value: 1 }] } } }), 400, 'SEGMENT_RULE_INVALID', 'audience.rule.all[0].op'],
      [campaign({ sending_window: { days: [1], start: '09:00', end: '17:00', time_zone: 'Mars/Olympus' } }), 400, 'VALIDATION_FAILED', 'sending_window.time_zone'],
      [campaign({ sending_window: { days: [1], start: '9am', end: '17:00', time_zone: 'UTC' } }), 400, 'VALIDATION_FAILED', 'sending_window.start'],
      [campaign({ from: 'not an address' }), 400, 'VALIDATION_FAILED', 'from'],
      [campaign({ colour: 'red' }), 400, 'VALIDATION_FAILED', 'colour'],
      [campaign({ name: '   ' }), 400, 'VALIDATION_FAILED', 'name'],
      [campaign({ scheduled_at: 'tomorrow' }), 400, 'VALIDATION_FAILED', 'scheduled_at'],
      [campaign({ sender_pool: 'no-such-pool' }), 404, 'POOL_NOT_FOUND', 'sender_pool'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await api('POST', '/api/v1/campaigns', body);
      expect({ body, status: res.statusCode, code: res.json().error?.code, field: res.json().error?.field }).toEqual({ body, status, code, field });
    }
    expect((await api('GET', '/api/v1/campaigns')).json().data).toEqual([]);
    expect((await api('GET', '/api/v1/campaigns/01NOPE00000000000000000000')).json().error.code).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('refuses to start an empty audience and moves only along the lifecycle', async () => {
    const c = (await api('POST', '/api/v1/campaigns', campaign({ audience: { tags: ['nobody-has-this'] } }))).json();
    expect(c).toMatchObject({ status: 'draft', rate_limit_per_hour: 3_600_000, concurrency: 20, auto_pause_bounce_rate: 0.05, auto_pause_min_sends: 100 });
    const start = await api('POST', `/api/v1/campaigns/${c.id}/start`);
    expect(start.statusCode).toBe(422);
    expect(start.json().error).toMatchObject({ code: 'CAMPAIGN_AUDIENCE_EMPTY', field: 'audience' });
    expect((await api('GET', `/api/v1/campaigns/${c.id}`)).json().status).toBe('draft');
    for (const action of ['pause', 'resume']) {
      const res = await api('POST', `/api/v1/campaigns/${c.id}/${action}`);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'CAMPAIGN_INVALID_TRANSITION', field: 'status', details: { from: 'draft', action } });
    }
    expect((await api('POST', `/api/v1/campaigns/${c.id}/cancel`)).json().status).toBe('cancelled');
    expect((await api('POST', `/api/v1/campaigns/${c.id}/start`)).json().error.code).toBe('CAMPAIGN_INVALID_TRANSITION');
    expect((await api('PATCH', `/api/v1/campaigns/${c.id}`, { concurrency: 3 })).json().error.code).toBe('CAMPAIGN_NOT_EDITABLE');
    expect((await api('DELETE', `/api/v1/campaigns/${c.id}`)).json().error.code).toBe('CAMPAIGN_NOT_EDITABLE');
    const draft = (await api('POST', '/api/v1/campaigns', campaign())).json();
    expect((await api('PATCH', `/api/v1/campaigns/${draft.id}`, { name: 'Renamed', audience: { rule: { tag: 'spring' } } })).json()).toMatchObject({ name: 'Renamed', audience: { rule: { tag: 'spring' } } });
    // 0 and null are distinct thresholds (pause on any bounce / never), not coerced into each other.
    expect((await api('PATCH', `/api/v1/campaigns/${draft.id}`, { auto_pause_bounce_rate: 0, sender_pool: null })).json()).toMatchObject({ auto_pause_bounce_rate: 0, sender_pool: null });
    expect((await api('PATCH', `/api/v1/campaigns/${draft.id}`, { auto_pause_bounce_rate: null })).json().auto_pause_bounce_rate).toBeNull();
    expect((await api('PATCH', `/api/v1/campaigns/${draft.id}`, { auto_pause_bounce_rate: 1.5 })).json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'auto_pause_bounce_rate' });
    expect((await api('DELETE', `/api/v1/campaigns/${draft.id}`)).statusCode).toBe(204);
    expect((await api('GET', `/api/v1/campaigns/${draft.id}`)).statusCode).toBe(404);
  });

  it('sends each subscribed, unsuppressed contact one message with one-click unsubscribe, and counts the rest', async () => {
    await seedContacts(sql(), {
      count: 60, tags: (i) => (i % 10 === 9 ? ['other'] : ['spring']), email: (i) => `spring${i}@example.com`,
      status: (i) => (i === 3 ? 'unsubscribed' : i === 4 ? 'bounced' : i === 5 ? 'complained' : 'subscribed'),
    });
    await api('POST', '/api/v1/suppressions', { addresses: ['SPRING6@example.com'], reason: 'manual' });
    const c = (await api('POST', '/api/v1/campaigns', campaign({ from: 'Shop <shop@example.org>' }))).json();
    const started = (await api('POST', `/api/v1/campaigns/${c.id}/start`)).json();
    expect(started).toMatchObject({ status: 'running', template_version: 1, progress: { targeted: 54 } });
    await waitFor('the campaign to complete', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 20_000);

    const mine = received.filter((m) => m.rcptTo.some((r) => r.startsWith('spring')));
    const seen = countByRecipient(mine);
    const expected = Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 10 !== 9 && ![3, 4, 5, 6].includes(i)).map((i) => `spring${i}@example.com`);
    expect([...seen.keys()].sort()).toEqual(expected.sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);

    const raw = mine[0]!.data.toString();
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/mail\.example\.org\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}>, <mailto:unsubscribe@example\.org\?subject=unsubscribe%20[^>]+>\r$/m);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
    expect(raw).toMatch(/^From: Shop <shop@example\.org>\r$/m);

    const stats = (await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json();
    expect(stats).toMatchObject({
      status: 'completed', targeted: 54, materialised: 50, sent: 50, queued: 0, sending: 0, failed: 0, bounced: 0, suppressed: 1,
      skipped: { unsubscribed: 1, bounced: 1, complained: 1, suppressed: 1, missing: 0 }, success_rate: 100, remaining: 0, eta_seconds: 0,
    });
    expect(stats.average_send_time_seconds).toBeGreaterThanOrEqual(0);
    expect(stats.average_send_time_seconds).toBeLessThan(20);

    // The link in the message: GET shows a page and changes nothing; the RFC 8058 POST unsubscribes.
    const link = new URL(unsubscribeUrl(raw)!);
    const who = mine[0]!.rcptTo[0]!;
    const page = await srv.app.inject({ method: 'GET', url: link.pathname });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect((await contacts.findContactByEmail(who))!.status).toBe('subscribed');

    const forged = link.pathname.slice(0, -1) + (link.pathname.endsWith('A') ? 'B' : 'A');
    const bad = await srv.app.inject({ method: 'POST', url: forged, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'UNSUBSCRIBE_TOKEN_INVALID', field: 'token' });
    const badHtml = await srv.app.inject({ method: 'GET', url: forged, headers: { accept: 'text/html' } });
    expect(badHtml.statusCode).toBe(400);
    expect(badHtml.body).toContain('UNSUBSCRIBE_TOKEN_INVALID');
    const noBody = await srv.app.inject({ method: 'POST', url: link.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=Yes' });
    expect(noBody.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'List-Unsubscribe' });
    expect((await contacts.findContactByEmail(who))!.status).toBe('subscribed');

    const post = await srv.app.inject({ method: 'POST', url: link.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('You are unsubscribed');
    const after = (await contacts.findContactByEmail(who))!;
    expect(after.status).toBe('unsubscribed');
    expect((await api('GET', `/api/v1/suppressions/${who}`)).json()).toMatchObject({ address: who, reason: 'unsubscribe' });
    // Mail clients may post multipart/form-data: accepted too, and a repeat changes nothing.
    const multipart = await srv.app.inject({
      method: 'POST', url: link.pathname, headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n',
    });
    expect(multipart.statusCode).toBe(200);
    expect((await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json().unsubscribed).toBe(1);
  });

  it('duplicates, lists by status, edits pacing of a running campaign and not its content', async () => {
    await seedContacts(sql(), { count: 5, tags: () => ['slow'], email: (i) => `slow${i}@example.com` });
    const c = (await api('POST', '/api/v1/campaigns', campaign({ audience: { tags: ['slow'] }, rate_limit_per_hour: 1, concurrency: 1 }))).json();
    await api('POST', `/api/v1/campaigns/${c.id}/start`);
    const patched = await api('PATCH', `/api/v1/campaigns/${c.id}`, { rate_limit_per_hour: 2, sending_window: { days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '23:59', time_zone: 'UTC' } });
    expect(patched.json()).toMatchObject({ status: 'running', rate_limit_per_hour: 2, sending_window: { time_zone: 'UTC' } });
    const refused = await api('PATCH', `/api/v1/campaigns/${c.id}`, { template_id: 'news' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CAMPAIGN_NOT_EDITABLE', field: 'template_id' });
    const copy = (await api('POST', `/api/v1/campaigns/${c.id}/duplicate`)).json();
    expect(copy).toMatchObject({ status: 'draft', name: `${c.name} (copy)`, rate_limit_per_hour: 2, audience: { tags: ['slow'] }, progress: { materialised: 0 } });
    expect(copy.id).not.toBe(c.id);
    const running = (await api('GET', '/api/v1/campaigns?status=running')).json().data.map((x: { id: string }) => x.id);
    expect(running).toContain(c.id);
    expect(running).not.toContain(copy.id);
    // At 1 per hour (bursts of 1) one message goes out; the ETA says how long the rest takes.
    await waitFor('the first message', () => received.some((m) => m.rcptTo[0]!.startsWith('slow')), 10_000);
    const stats = (await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json();
    expect(stats.eta_seconds).toBeGreaterThan(3600);
    expect((await api('POST', `/api/v1/campaigns/${c.id}/cancel`)).json().status).toBe('cancelled');
    expect(received.filter((m) => m.rcptTo[0]!.startsWith('slow'))).toHaveLength(1);
  });

  it('starts a scheduled campaign at its time, and reads a segment audience', async () => {
    await seedContacts(sql(), { count: 4, tags: () => ['vip'], email: (i) => `vip${i}@example.com` });
    const segments = new SqlSegmentStore(sql());
    await segments.createSegment({ id: 'vips', name: 'VIPs', description: null, rule: { tag: 'vip' }, createdAt: Date.now(), updatedAt: Date.now() });
    const at = new Date(Date.now() + 1_500).toISOString();
    const c = (await api('POST', '/api/v1/campaigns', campaign({ audience: { segment_id: 'vips' }, scheduled_at: at }))).json();
    expect((await api('POST', `/api/v1/campaigns/${c.id}/start`)).json()).toMatchObject({ status: 'scheduled', scheduled_at: at, progress: { targeted: 4 } });
    expect(received.filter((m) => m.rcptTo[0]!.startsWith('vip'))).toHaveLength(0);
    await waitFor('the scheduled campaign to complete', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 15_000);
    const vip = received.filter((m) => m.rcptTo[0]!.startsWith('vip'));
    expect(vip).toHaveLength(4);
  });

  it('sends through the sender pool it names', async () => {
    await seedContacts(sql(), { count: 3, tags: () => ['pooled'], email: (i) => `pooled${i}@example.com` });
    const smtp = `smtp://127.0.0.1:${sinkPort}`;
    expect((await api('POST', '/api/v1/senders', { id: 'relay-a', kind: 'smtp', email: 'relay-a@example.org', smtp_url: smtp })).statusCode).toBe(201);
    expect((await api('POST', '/api/v1/pools', { id: 'news', strategy: 'round_robin', senders: ['relay-a'] })).statusCode).toBe(201);
    const c = (await api('POST', '/api/v1/campaigns', campaign({ audience: { tags: ['pooled'] }, sender_pool: 'news' }))).json();
    expect(c.sender_pool).toBe('news');
    await api('POST', `/api/v1/campaigns/${c.id}/start`);
    await waitFor('the pooled campaign to complete', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 15_000);
    const pooled = received.filter((m) => m.rcptTo[0]!.startsWith('pooled'));
    expect(pooled).toHaveLength(3);
    for (const m of pooled) expect(m.mailFrom).toBe('relay-a@example.org');
  });

  it('auto-pauses when the bounce rate passes the threshold, with the reason shown', async () => {
    await seedContacts(sql(), { count: 60, tags: () => ['risky'], email: (i) => (i % 4 === 0 ? `gone${i}@bounce.test` : `risky${i}@example.com`) });
    const c = (await api('POST', '/api/v1/campaigns', campaign({ audience: { tags: ['risky'] }, concurrency: 5, auto_pause_min_sends: 20 }))).json();
    await api('POST', `/api/v1/campaigns/${c.id}/start`);
    await waitFor('the auto-pause', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'paused', 20_000);
    const paused = (await api('GET', `/api/v1/campaigns/${c.id}`)).json();
    expect(paused.status_reason).toMatch(/^auto-paused: bounce rate \d+(\.\d)? % \(\d+ of \d+ attempted\) is above 5 %$/);
    const stats = (await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json();
    expect(stats.bounced).toBeGreaterThan(0);
    expect(stats.sent + stats.bounced).toBeGreaterThanOrEqual(20);
    expect(stats.sent + stats.bounced).toBeLessThan(60);
    // Hard bounces suppress the address: the next campaign skips them.
    expect((await api('GET', '/api/v1/suppressions/gone0@bounce.test')).json().reason).toBe('hard_bounce');
    // Raising the threshold and resuming lets it finish; nobody gets a second message.
    await api('PATCH', `/api/v1/campaigns/${c.id}`, { auto_pause_bounce_rate: null });
    expect((await api('POST', `/api/v1/campaigns/${c.id}/resume`)).json()).toMatchObject({ status: 'running', status_reason: null });
    await waitFor('the campaign to complete', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 20_000);
    const seen = countByRecipient(received.filter((m) => m.rcptTo[0]!.startsWith('risky')));
    expect(seen.size).toBe(45);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const final = (await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json();
    expect(final).toMatchObject({ sent: 45, bounced: 15, materialised: 60 });
  });
});
