// The campaign rate limit over real time: a 3,600/hour campaign (concurrency 5) delivered over SMTP to an
// in-process sink sends its first burst of 5, then about one message per second over a measured 10 s window.
import { describe, it, expect, afterAll } from 'vitest';
import { SmtpSink } from '../../src/adapters/sink/smtp-sink.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { seedContacts } from '../support/campaign-seed.js';
import { waitFor } from '../support/process.js';

let srv: TestServer | undefined;
let sink: SmtpSink | undefined;
afterAll(async () => {
  await srv?.rt.campaigns.runner.stop();
  await srv?.close();
  await sink?.close();
});

describe('campaign pacing', () => {
  it('3,600 per hour sends about one per second over a measured window', async () => {
    const arrivals: number[] = [];
    sink = new SmtpSink({ onMessage: () => void arrivals.push(Date.now()) });
    const { port } = await sink.listen(0, '127.0.0.1');
    srv = await startTestServer({ POSTFLOW_SMTP_URL: `smtp://127.0.0.1:${port}`, POSTFLOW_DOMAIN_LIMITS: '*=0', POSTFLOW_DELIVERY_THREADS: '0' }, { startWorkers: true });
    srv.rt.campaigns.runner.start();
    await seedContacts((srv.rt.store as SqlStore).sqlContext(), { count: 40, tags: () => ['paced'] });
    const post = (url: string, payload?: object) => srv!.app.inject({ method: 'POST', url, headers: srv!.auth, ...(payload ? { payload } : {}) });
    expect((await post('/api/v1/templates', { id: 'paced', name: 'Paced', subject: 'Hello', html: '<p>Hi {{ first_name }}</p>' })).statusCode).toBe(201);
    const c = (await post('/api/v1/campaigns', { name: 'Paced', template_id: 'paced', audience: { tags: ['paced'] }, rate_limit_per_hour: 3600 })).json();
    expect(c.concurrency).toBe(5);
    expect((await post(`/api/v1/campaigns/${c.id}/start`)).statusCode).toBe(200);

    await waitFor('the first message', () => arrivals.length > 0, 10_000);
    const t0 = arrivals[0]!;
    // Measured window: from 1 s after the first arrival (the burst is over) for 10 s.
    await new Promise((r) => setTimeout(r, 11_300 - (Date.now() - t0)));
    const burst = arrivals.filter((t) => t - t0 < 500).length;
    const inWindow = arrivals.filter((t) => t - t0 >= 1_000 && t - t0 < 11_000);
    const gaps = inWindow.slice(1).map((t, i) => t - inWindow[i]!);
    process.stdout.write(`campaign pacing: burst ${burst}, ${inWindow.length} messages in the 10 s window, gaps ${Math.min(...gaps)}–${Math.max(...gaps)} ms\n`);
    expect(burst).toBe(5);
    expect(inWindow.length).toBeGreaterThanOrEqual(9);
    expect(inWindow.length).toBeLessThanOrEqual(11);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(700);

    const stats = (await srv.app.inject({ method: 'GET', url: `/api/v1/campaigns/${c.id}/stats`, headers: srv.auth })).json();
    expect(stats.throughput_per_minute).toBeGreaterThan(40);
    expect(stats.throughput_per_minute).toBeLessThan(90);
    expect(stats.eta_seconds).toBeGreaterThan(10);
    await post(`/api/v1/campaigns/${c.id}/cancel`);
  }, 30_000);
});
