// The runtime's wiring of the Redis limiter: POSTFLOW_REDIS_URL selects it, /ready reports it, and when Redis cannot
// be reached a worker defers throttled messages instead of sending them.
import { describe, it, expect, afterAll } from 'vitest';
import { RedisLimiter } from '../../src/adapters/limiter/redis-limiter.js';
import { MemoryLimiter } from '../../src/adapters/limiter/memory-limiter.js';
import { startTestServer } from '../support/runtime.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { freePort } from '../support/process.js';
import { REDIS_URL, redisAvailable, redisTestPrefix } from '../support/services.js';

const available = await redisAvailable();
const space = redisTestPrefix();
afterAll(async () => {
  if (available) await space.drop();
});

describe('Redis limiter in the runtime', () => {
  it.skipIf(!available)('is used when POSTFLOW_REDIS_URL is set, and /ready reports it', async () => {
    const s = await startTestServer({ POSTFLOW_REDIS_URL: REDIS_URL, POSTFLOW_REDIS_PREFIX: space.prefix });
    try {
      expect(s.rt.limiter).toBeInstanceOf(RedisLimiter);
      const r = await s.app.inject({ url: '/ready' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ status: 'ready', store: 'sqlite', migrations: 'applied', limiter: 'redis' });
    } finally {
      await s.close();
    }
  });

  it('stays in memory without it (and /ready says nothing of a limiter)', async () => {
    const s = await startTestServer();
    try {
      expect(s.rt.limiter).toBeInstanceOf(MemoryLimiter);
      expect((await s.app.inject({ url: '/ready' })).json()).not.toHaveProperty('limiter');
    } finally {
      await s.close();
    }
  });

  it('with Redis unreachable: /ready says so (still 200: accepting needs only the store) and nothing throttled is sent', async () => {
    const smtp = await startSmtpServer();
    const port = await freePort();
    const s = await startTestServer({
      POSTFLOW_REDIS_URL: `redis://127.0.0.1:${port}`, POSTFLOW_SMTP_URL: smtp.url(), POSTFLOW_DOMAIN_LIMITS: 'limited.test=60', POSTFLOW_DELIVERY_THREADS: '0',
    });
    try {
      const r = await s.app.inject({ url: '/ready' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'ready', limiter: 'unreachable' });
      const sent = await s.app.inject({ method: 'POST', url: '/api/v1/emails/send', headers: s.auth, payload: { to: 'ann@limited.test', subject: 's', text: 't' } });
      expect(sent.statusCode).toBe(202);
      expect(await s.rt.worker.runOnce()).toBe(1);
      const m = (await s.app.inject({ url: `/api/v1/emails/${sent.json().id}`, headers: s.auth })).json();
      expect(m.status).toBe('deferred');
      expect(m.attempts).toBe(0);
      expect(m.events.find((e: { type: string }) => e.type === 'deferred').detail).toMatchObject({ reason: 'limiter unavailable' });
      expect(smtp.received).toHaveLength(0);
    } finally {
      await s.close();
      await smtp.stop();
    }
  });
});
