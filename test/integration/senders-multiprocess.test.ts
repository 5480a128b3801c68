// Two real `postflow worker` processes on one PostgreSQL database share senders with a low daily limit and a rate;
// what the SMTP server receives per sender never exceeds either. Needs dist/ (npm test builds first).
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { killHard, runCli, waitFor, type CliProcess } from '../support/process.js';

const available = await postgresAvailable();
const SECRET = 'multiprocess-test-secret-0123456789abcdef';
const LIMIT = 8;
const PER_SECOND = 2;

describe.skipIf(!available)('senders shared by two worker processes on PostgreSQL', () => {
  const workers: CliProcess[] = [];
  const dirs: string[] = [];
  let api: TestServer | undefined;
  let smtp: TestSmtpServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) await killHard(w);
    await api?.close();
    await smtp?.stop();
    await drop?.();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`never exceed a sender's daily limit (${LIMIT}) or rate (${PER_SECOND}/s) under a burst`, async () => {
    const db = await createTempDatabase();
    drop = db.drop;
    smtp = await startSmtpServer();
    // Arrival time of each message the SMTP server accepts (polled every 5 ms: the rate check allows for that).
    const arrivals: Array<{ from: string; at: number }> = [];
    const poll = setInterval(() => {
      while (arrivals.length < smtp!.received.length) arrivals.push({ from: smtp!.received[arrivals.length]!.from, at: Date.now() });
    }, 5);
    try {
      // The API side: an in-process runtime on the same database (no workers) creates senders, a pool, a burst.
      api = await startTestServer({ POSTFLOW_DATABASE_URL: db.url, POSTFLOW_SECRET: SECRET, POSTFLOW_WORKERS: '0' });
      const call = async (url: string, payload: object) => {
        const r = await api!.app.inject({ method: 'POST', url, headers: api!.auth, payload });
        expect(r.statusCode, r.body).toBeLessThan(300);
        return r.json();
      };
      for (const id of ['s1', 's2', 's3']) await call('/api/v1/senders', { id, kind: 'smtp', email: `${id}@senders.test`, smtp_url: smtp.url(), daily_limit: LIMIT, per_second: PER_SECOND });
      await call('/api/v1/pools', { id: 'burst', strategy: 'random', senders: ['s1', 's2', 's3'] });
      const queued = await call('/api/v1/emails/send-batch', { messages: Array.from({ length: 60 }, (_, i) => ({ to: `r${i}@example.com`, subject: `m${i}`, text: 't', sender_pool: 'burst' })) });
      expect(queued.queued).toHaveLength(60);

      for (let i = 0; i < 2; i++) {
        const dataDir = mkdtempSync(join(tmpdir(), 'pf-mp-'));
        dirs.push(dataDir);
        workers.push(runCli(['worker'], {
          POSTFLOW_DATA_DIR: dataDir, POSTFLOW_DATABASE_URL: db.url, POSTFLOW_SECRET: SECRET, POSTFLOW_LOG_LEVEL: 'info',
          POSTFLOW_WORKERS: '4', POSTFLOW_BATCH_SIZE: '5', POSTFLOW_IDLE_MS: '50', POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_DIRECTORY_SYNC_MINUTES: '0',
        }));
      }
      await waitFor('3 senders × the daily limit to arrive', () => smtp!.received.length >= 3 * LIMIT, 30_000);
      // Let both processes run on: with every sender at its limit, nothing more may arrive.
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      clearInterval(poll);
    }
    for (const w of workers) await killHard(w);

    const per: Record<string, number[]> = {};
    for (const a of arrivals) (per[a.from] ??= []).push(a.at);
    expect(smtp.received).toHaveLength(3 * LIMIT);
    expect(Object.keys(per).sort()).toEqual(['s1@senders.test', 's2@senders.test', 's3@senders.test']);
    for (const [from, times] of Object.entries(per)) {
      expect(times.length, from).toBe(LIMIT);
      // Sends start 500 ms apart (reserved under the sender's row lock). What the server sees is arrival, which adds
      // the SMTP exchange — a new connection (greeting after 100 ms, EHLO…) for the first send of each process — so
      // gaps are checked as windows: no second ever holds more than the rate plus one send delayed into it, and the
      // sends spread over the time the rate needs (an unthrottled burst arrives within a few ms).
      for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length, `${from} from #${i}`).toBeLessThanOrEqual(PER_SECOND + 1);
      expect(times.at(-1)! - times[0]!, from).toBeGreaterThanOrEqual(((LIMIT - 1) * 1000) / PER_SECOND - 500);
    }
    // Both processes sent: each logged some of the sends.
    const sentBy = workers.map((w) => (w.output().match(/"msg":"sent"/g) ?? []).length);
    expect(sentBy.every((n) => n > 0), `sends per process: ${sentBy.join(', ')}`).toBe(true);
    expect(sentBy.reduce((a, b) => a + b, 0)).toBe(3 * LIMIT);
    // The rest wait for the rolling window, counted in the pool.
    const pool = (await api!.app.inject({ url: '/api/v1/pools/burst', headers: api!.auth })).json();
    expect(pool).toMatchObject({ state: 'exhausted', waiting: 60 - 3 * LIMIT, remaining_today: 0 });
  });
});
