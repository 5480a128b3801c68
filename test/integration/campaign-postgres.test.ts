// The campaign runner and the delivery workers on PostgreSQL: a campaign paused and resumed mid-way sends each
// subscribed contact one message over SMTP, skips the others by reason, and completes. (The store-level behaviour
// is the contract suite's; this runs the whole loop on the second dialect.)
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SmtpSink } from '../../src/adapters/sink/smtp-sink.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { countByRecipient, seedContacts } from '../support/campaign-seed.js';
import { waitFor } from '../support/process.js';

const available = await postgresAvailable();

describe.skipIf(!available)('campaigns on PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let srv: TestServer;
  let sink: SmtpSink;
  const received: Array<{ rcptTo: string[] }> = [];
  beforeAll(async () => {
    db = await createTempDatabase();
    sink = new SmtpSink({ onMessage: (m) => void received.push(m) });
    const { port } = await sink.listen(0, '127.0.0.1');
    srv = await startTestServer({ POSTFLOW_DATABASE_URL: db.url, POSTFLOW_SMTP_URL: `smtp://127.0.0.1:${port}`, POSTFLOW_DOMAIN_LIMITS: '*=0', POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_BATCH_SIZE: '10' }, { startWorkers: true });
    srv.rt.campaigns.runner.start();
  });
  afterAll(async () => {
    await srv?.rt.campaigns.runner.stop();
    await srv?.close();
    await sink?.close();
    await db?.drop();
  });

  it('pauses, resumes and completes with one message per subscribed contact', async () => {
    const N = 400;
    await seedContacts((srv.rt.store as SqlStore).sqlContext(), { count: N, tags: () => ['pg'], status: (i) => (i % 10 === 0 ? 'unsubscribed' : 'subscribed') });
    const call = (method: 'GET' | 'POST', url: string, payload?: object) => srv.app.inject({ method, url, headers: srv.auth, ...(payload ? { payload } : {}) });
    expect((await call('POST', '/api/v1/templates', { id: 'pg', name: 'PG', subject: 'Hi', html: '<p>{{ first_name }}</p>' })).statusCode).toBe(201);
    // 36,000 per hour = 10 per second: slow enough to pause mid-way.
    const c = (await call('POST', '/api/v1/campaigns', { name: 'PG', template_id: 'pg', audience: { rule: { tag: 'pg' } }, rate_limit_per_hour: 36_000, concurrency: 10 })).json();
    expect((await call('POST', `/api/v1/campaigns/${c.id}/start`)).json()).toMatchObject({ status: 'running', progress: { targeted: N } });
    await waitFor('some deliveries', () => received.length >= 30, 20_000);
    expect((await call('POST', `/api/v1/campaigns/${c.id}/pause`)).json().status).toBe('paused');
    await new Promise((r) => setTimeout(r, 1_000));
    const atPause = received.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(received.length).toBe(atPause);
    expect(atPause).toBeLessThan(N - N / 10);
    // Raise the rate and resume: the held messages go, no new ones are made.
    await call('POST', `/api/v1/campaigns/${c.id}/resume`);
    await srv.app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${c.id}`, headers: srv.auth, payload: { rate_limit_per_hour: 3_600_000, concurrency: 50 } });
    await waitFor('completion', async () => (await call('GET', `/api/v1/campaigns/${c.id}`)).json().status === 'completed', 30_000);
    const seen = countByRecipient(received);
    expect(seen.size).toBe(N - N / 10);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect([...seen.keys()].some((a) => Number(/user(\d+)@/.exec(a)![1]) % 10 === 0)).toBe(false);
    expect((await call('GET', `/api/v1/campaigns/${c.id}/stats`)).json()).toMatchObject({ sent: N - N / 10, materialised: N - N / 10, skipped: { unsubscribed: N / 10 }, success_rate: 100 });
  }, 60_000);
});
