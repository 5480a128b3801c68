// The whole path on PostgreSQL: HTTP accept → store → worker → capture, as `POSTFLOW_DATABASE_URL=postgres://…` runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';

const available = await postgresAvailable();

describe.skipIf(!available)('pipeline on PostgreSQL', () => {
  let s: TestServer;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await createTempDatabase();
    drop = db.drop;
    s = await startTestServer({ POSTFLOW_DATABASE_URL: db.url, POSTFLOW_WORKERS: '2', POSTFLOW_BATCH_SIZE: '20' }, { startWorkers: true });
  });
  afterAll(async () => {
    await s?.close();
    await drop?.();
  });

  it('accepts a batch with an idempotent repeat and delivers every message once', async () => {
    const messages = Array.from({ length: 100 }, (_, i) => ({ to: `pg${i}@example.com`, subject: 'Hi {{ n }}', html: '<p>{{ n }}</p>', variables: { n: i }, idempotency_key: `pg-${i % 90}` }));
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/emails/send-batch', headers: s.auth, payload: { messages } });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.queued.filter((q: { duplicate: boolean }) => q.duplicate).length).toBe(10);
    const ids = new Set(body.queued.map((q: { id: string }) => q.id));
    expect(ids.size).toBe(90);
    const until = Date.now() + 15_000;
    for (;;) {
      const sent = (await s.rt.store.listMessages({ limit: 200, status: 'sent' })).length;
      if (sent === 90) break;
      if (Date.now() > until) throw new Error(`only ${sent} of 90 sent`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const outbox = (await s.app.inject({ url: '/api/v1/outbox?limit=500', headers: s.auth })).json().data;
    expect(new Set(outbox.map((o: { id: string }) => o.id))).toEqual(ids);
    expect((await s.app.inject({ url: '/ready' })).json()).toMatchObject({ status: 'ready', store: 'postgres' });
  });
});
