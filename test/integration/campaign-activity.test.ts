// Contact activity written by delivery: a campaign sent over SMTP to a real sink (some recipients refused with 550),
// then segments on "sent in the last day", "was sent this campaign" and "bounced from it" hold exactly the contacts
// the sink received (or refused) — in SQL (count, contacts) and in memory (the per-contact check) alike — while
// transactional mail to a contact's address writes no activity.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SmtpSink, type ReceivedMessage } from '../../src/adapters/sink/smtp-sink.js';
import { parseReplyRule } from '../../src/adapters/sink/reply-rules.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { countByRecipient, seedContacts } from '../support/campaign-seed.js';
import { waitFor } from '../support/process.js';

let srv: TestServer;
let sink: SmtpSink;
const received: ReceivedMessage[] = [];

beforeAll(async () => {
  sink = new SmtpSink({ onMessage: (m) => void received.push(m), replies: [parseReplyRule('*@bounce.test=550 5.1.1 No such user')] });
  const { port } = await sink.listen(0, '127.0.0.1');
  srv = await startTestServer({ POSTFLOW_SMTP_URL: `smtp://127.0.0.1:${port}`, POSTFLOW_DOMAIN_LIMITS: '*=0', POSTFLOW_DELIVERY_THREADS: '0' }, { startWorkers: true });
  srv.rt.campaigns.runner.start();
  expect((await api('POST', '/api/v1/templates', { id: 'news', name: 'News', subject: 'News for {{ first_name }}', html: '<p>Hi {{ first_name }}</p>' })).statusCode).toBe(201);
});

afterAll(async () => {
  await srv?.rt.campaigns.runner.stop();
  await srv?.close();
  await sink?.close();
});

async function api(method: 'GET' | 'POST', url: string, payload?: unknown) {
  return srv.app.inject({ method, url, headers: srv.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** A saved segment's size (SQL), its members' emails (SQL) and, per contact, the in-memory answer. */
async function segment(rule: unknown, everyone: Map<string, string>): Promise<{ count: number; emails: string[]; inMemory: string[] }> {
  const s = await api('POST', '/api/v1/segments', { name: JSON.stringify(rule).slice(0, 100), rule });
  expect(s.statusCode).toBe(201);
  const id = s.json().id as string;
  const count = (await api('GET', `/api/v1/segments/${id}/count`)).json().count as number;
  const emails = ((await api('GET', `/api/v1/segments/${id}/contacts?limit=1000`)).json().data as Array<{ email: string }>).map((c) => c.email).sort();
  const inMemory: string[] = [];
  for (const [cid, email] of everyone) {
    const r = (await api('GET', `/api/v1/segments/${id}/contacts/${cid}`)).json();
    if (r.matches) inMemory.push(email);
  }
  return { count, emails, inMemory };
}

describe('contact activity from delivery', () => {
  it('a campaign delivered over SMTP: "sent in the last day" counts exactly its recipients', async () => {
    const contacts = new SqlContactStore((srv.rt.store as SqlStore).sqlContext());
    // 30 in the audience (two of them at a domain the sink refuses), 10 outside it.
    const actEmail = (i: number) => (i === 7 || i === 19 ? `act${i}@bounce.test` : `act${i}@example.com`);
    const inAudience = await seedContacts((srv.rt.store as SqlStore).sqlContext(), { count: 30, tags: () => ['act'], email: actEmail });
    const outside = await seedContacts((srv.rt.store as SqlStore).sqlContext(), { count: 10, tags: () => ['not-act'], email: (i) => `out${i}@example.com` });
    const everyone = new Map([...inAudience.map((id, i) => [id, actEmail(i)] as const), ...outside.map((id, i) => [id, `out${i}@example.com`] as const)]);

    // Transactional mail to a contact outside the audience: sent, but it carries no contact, so no activity.
    const tx = (await api('POST', '/api/v1/emails/send', { to: 'out0@example.com', subject: 'Receipt', html: '<p>Thanks</p>' })).json();
    await waitFor('the transactional message to be sent', async () => (await api('GET', `/api/v1/emails/${tx.id}`)).json().status === 'sent', 20_000);

    const c = (await api('POST', '/api/v1/campaigns', { name: 'Activity', template_id: 'news', audience: { tags: ['act'] }, rate_limit_per_hour: 3_600_000, concurrency: 20 })).json();
    expect((await api('POST', `/api/v1/campaigns/${c.id}/start`)).statusCode).toBe(200);
    await waitFor('the campaign to complete', async () => (await api('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 30_000);
    const stats = (await api('GET', `/api/v1/campaigns/${c.id}/stats`)).json();
    expect(stats).toMatchObject({ sent: 28, bounced: 2 });

    const delivered = [...countByRecipient(received.filter((m) => m.rcptTo.some((r) => r.startsWith('act')))).keys()].sort();
    expect(delivered).toHaveLength(28);

    const sentLastDay = await segment({ event: 'sent', within_days: 1 }, everyone);
    expect(sentLastDay.count).toBe(28);
    expect(sentLastDay.emails).toEqual(delivered);
    expect(sentLastDay.inMemory.sort()).toEqual(delivered);

    const sentThis = await segment({ event: 'sent', campaign: c.id }, everyone);
    expect(sentThis.count).toBe(28);
    expect(sentThis.emails).toEqual(delivered);
    expect(sentThis.inMemory.sort()).toEqual(delivered);

    const bounced = await segment({ event: 'bounced', campaign: c.id }, everyone);
    expect(bounced.emails).toEqual(['act19@bounce.test', 'act7@bounce.test']);
    expect(bounced.inMemory.sort()).toEqual(['act19@bounce.test', 'act7@bounce.test']);

    const notSent = await segment({ all: [{ tag: 'act' }, { not: { event: 'sent', within_days: 1 } }] }, everyone);
    expect(notSent.emails).toEqual(['act19@bounce.test', 'act7@bounce.test']);

    // One activity row per message: the contact, the message and the campaign it came from.
    const first = (await contacts.findContactByEmail('act0@example.com'))!;
    const acts = await contacts.listActivity(first.id, 10);
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ type: 'sent', campaignId: c.id });
    expect((await api('GET', `/api/v1/emails/${acts[0]!.messageId}`)).json()).toMatchObject({ status: 'sent', to: 'User0 <act0@example.com>' });
    expect(await contacts.listActivity(outside[0]!, 10)).toEqual([]);
  }, 60_000);
});
