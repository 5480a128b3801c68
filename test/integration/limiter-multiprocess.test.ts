// Two real `postflow worker` processes on one PostgreSQL database and one Redis send to an in-process SMTP server
// under a per-domain limit: together they stay inside the limit's envelope (a burst, then the rate), because the
// limit is held in Redis. The same two processes with the in-memory limiter each take the whole limit: the
// envelope is broken (the contrast). Needs dist/ (npm test builds first), PostgreSQL and Redis.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainRate } from '../../src/domain/throttle-policy.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { createTempDatabase, postgresAvailable, REDIS_URL, redisAvailable, redisTestPrefix } from '../support/services.js';
import { killHard, runCli, waitFor, type CliProcess } from '../support/process.js';

const available = (await postgresAvailable()) && (await redisAvailable());
const SECRET = 'limiter-multiprocess-secret-0123456789abcdef';
const PER_MINUTE = 600;
const MESSAGES = 150;
// 600 a minute: a burst of 60 at once, then 9 a second (domainRate), so that no minute holds more than 600.
const RATE = domainRate({ '*': PER_MINUTE }, 'x.test')!;
// The limiter spaces sends; the server sees arrivals, which add the SMTP exchange (a new connection's greeting and
// EHLO for the first sends, the polling interval): up to this much earlier or later than the slot. The envelope
// is checked with that many sends of slack (ceil(0.5 s × 9/s) + 2 = 7); unshared limiters break it by ~60.
const JITTER_MS = 500;
const SLACK = Math.ceil((JITTER_MS / 1000) * RATE.perSecond) + 2;

/** The most any window [t, t + w) starting at an arrival holds beyond what the limit allows: burst + w × rate. */
function worstExcess(times: number[]): { excess: number; at: number; windowMs: number } {
  let worst = { excess: -Infinity, at: 0, windowMs: 0 };
  for (const t0 of times) {
    for (const w of [250, 1000, 2000, 5000, 10_000, 60_000]) {
      const inWindow = times.filter((t) => t >= t0 && t < t0 + w).length;
      const excess = inWindow - (RATE.burst + Math.ceil((w / 1000) * RATE.perSecond));
      if (excess > worst.excess) worst = { excess, at: t0, windowMs: w };
    }
  }
  return worst;
}

describe.skipIf(!available)('per-domain limits shared by two worker processes through Redis', () => {
  const workers: CliProcess[] = [];
  const dirs: string[] = [];
  const space = redisTestPrefix();
  let api: TestServer | undefined;
  let smtp: TestSmtpServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) await killHard(w);
    await api?.close();
    await smtp?.stop();
    await drop?.();
    await space.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Start two workers with `env`, wait until both are running, queue MESSAGES to `domain`, and return when `until`
   * holds for the arrivals. Queued only once both run, so that both claim from the start: a worker that started
   * seconds earlier would claim (and defer to its own slots) what the other never sees, and the in-memory contrast
   * would depend on start-up timing.
   */
  async function run(domain: string, env: Record<string, string>, until: (n: number) => boolean, ms: number): Promise<{ times: number[]; procs: CliProcess[] }> {
    const times: number[] = [];
    const seen = smtp!.received.length;
    let counted = seen;
    // Arrival times, polled every 5 ms (the envelope allows a couple of sends of slack for it and for the SMTP exchange).
    const poll = setInterval(() => {
      for (; counted < smtp!.received.length; counted++) if (smtp!.received[counted]!.to[0]!.endsWith(`@${domain}`)) times.push(Date.now());
    }, 5);
    const procs: CliProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const dataDir = mkdtempSync(join(tmpdir(), 'pf-lim-'));
        dirs.push(dataDir);
        const p = runCli(['worker'], {
          POSTFLOW_DATA_DIR: dataDir, POSTFLOW_DATABASE_URL: api!.rt.config.databaseUrl!, POSTFLOW_SECRET: SECRET, POSTFLOW_LOG_LEVEL: 'info',
          POSTFLOW_SMTP_URL: smtp!.url(), POSTFLOW_DOMAIN_LIMITS: `*=${PER_MINUTE}`,
          POSTFLOW_WORKERS: '2', POSTFLOW_BATCH_SIZE: '20', POSTFLOW_IDLE_MS: '50', POSTFLOW_DELIVERY_THREADS: '0', POSTFLOW_DIRECTORY_SYNC_MINUTES: '0',
          ...env,
        });
        workers.push(p);
        procs.push(p);
      }
      await waitFor('both workers to run', () => procs.every((p) => p.output().includes('delivery workers started')), 60_000);
      const queued = await api!.app.inject({
        method: 'POST', url: '/api/v1/emails/send-batch', headers: api!.auth,
        payload: { messages: Array.from({ length: MESSAGES }, (_, i) => ({ to: `r${i}@${domain}`, subject: `m${i}`, text: 't' })) },
      });
      expect(queued.json().queued).toHaveLength(MESSAGES);
      await waitFor(`arrivals at ${domain}`, () => until(times.length), ms);
    } finally {
      clearInterval(poll);
    }
    return { times, procs };
  }

  it(`holds ${PER_MINUTE}/minute (burst ${RATE.burst}, then ${RATE.perSecond}/s) across both processes; without Redis each takes it all`, async () => {
    const db = await createTempDatabase();
    drop = db.drop;
    smtp = await startSmtpServer();
    api = await startTestServer({ POSTFLOW_DATABASE_URL: db.url, POSTFLOW_SECRET: SECRET, POSTFLOW_WORKERS: '0' });

    // Shared through Redis: every message arrives, inside the envelope.
    const shared = await run('shared.test', { POSTFLOW_REDIS_URL: REDIS_URL, POSTFLOW_REDIS_PREFIX: space.prefix }, (n) => n >= MESSAGES, 60_000);
    // Stopped gracefully: each closes its Redis connection and exits 0.
    for (const p of shared.procs) p.child.kill('SIGTERM');
    expect(await Promise.all(shared.procs.map((p) => p.exited))).toEqual([0, 0]);
    const times = shared.times.sort((a, b) => a - b);
    expect(times).toHaveLength(MESSAGES);
    const worst = worstExcess(times);
    process.stderr.write(`limiter-multiprocess: shared through Redis, worst excess ${worst.excess} (window ${worst.windowMs} ms at +${worst.at - times[0]!} ms)\n`);
    expect(worst.excess, `window of ${worst.windowMs} ms at +${worst.at - times[0]!} ms`).toBeLessThanOrEqual(SLACK);
    // The rate was the limiter's doing: after the burst, the 90 others take 90 / 9 = 10 s from the first slot (the
    // first arrival may be up to the jitter late; two unshared limiters would take half that).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(((MESSAGES - RATE.burst) / RATE.perSecond) * 1000 - JITTER_MS);
    // Both processes sent, and each said it used Redis.
    const sentBy = shared.procs.map((p) => (p.output().match(/"msg":"sent"/g) ?? []).length);
    expect(sentBy.every((n) => n > 0), `sends per process: ${sentBy.join(', ')}`).toBe(true);
    expect(sentBy.reduce((a, b) => a + b, 0)).toBe(MESSAGES);
    for (const p of shared.procs) expect(p.output()).toContain('"limiter":"redis"');

    // The contrast: the same two processes, each with its own in-memory limiter, send two bursts and twice the rate.
    const apart = await run('apart.test', {}, (n) => n >= 2 * RATE.burst + 20, 30_000);
    for (const p of apart.procs) await killHard(p);
    const contrast = worstExcess(apart.times.sort((a, b) => a - b));
    process.stderr.write(`limiter-multiprocess: in-memory limiters, worst excess ${contrast.excess} (window ${contrast.windowMs} ms)\n`);
    expect(contrast.excess).toBeGreaterThan(3 * SLACK);
  }, 120_000);
});
