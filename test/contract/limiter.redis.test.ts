import { describe, it, expect, afterAll } from 'vitest';
import { RedisLimiter } from '../../src/adapters/limiter/redis-limiter.js';
import { AppError } from '../../src/domain/errors.js';
import { DEFAULT_BACKOFF } from '../../src/domain/domain-backoff.js';
import { freePort } from '../support/process.js';
import { REDIS_URL, redisAvailable, redisTestPrefix } from '../support/services.js';
import { describeLimiterContract } from './limiter-contract.js';

const available = await redisAvailable();
// One prefix for this file, deleted after; each test below it gets its own sub-prefix, so state starts empty.
const space = redisTestPrefix();
let n = 0;
afterAll(async () => {
  if (available) await space.drop();
});

describeLimiterContract('redis', async () => {
  const prefix = `${space.prefix}${n++}:`;
  const open: RedisLimiter[] = [];
  const make = () => {
    const l = new RedisLimiter({ url: REDIS_URL, prefix });
    open.push(l);
    return l;
  };
  const limiter = make();
  return { limiter, other: async () => make(), cleanup: async () => { for (const l of open) await l.close(); } };
}, !available);

// Adapter-only cases: key expiry in Redis's own memory, and what an unreachable server does — neither has a
// counterpart in the in-memory adapter.
describe.skipIf(!available)('RedisLimiter (Redis only)', () => {
  it('gives each key a lifetime equal to its debt, so memory stays bounded', async () => {
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_URL);
    const prefix = `${space.prefix}ttl:`;
    const l = new RedisLimiter({ url: REDIS_URL, prefix });
    try {
      const now = Date.now();
      for (let i = 0; i < 3; i++) await l.reserve([{ key: 'domain:a.test', rate: { perSecond: 0.1, burst: 1 } }], now);
      const ttl = await raw.pttl(`${prefix}gcra:domain:a.test`);
      // Three slots of 10 s taken at `now`: the debt ends 30 s after now.
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      // A short debt is gone from Redis once it has passed.
      await l.reserve([{ key: 'domain:b.test', rate: { perSecond: 20, burst: 1 } }], Date.now());
      expect(await raw.exists(`${prefix}gcra:domain:b.test`)).toBe(1);
      await new Promise((r) => setTimeout(r, 120));
      expect(await raw.exists(`${prefix}gcra:domain:b.test`)).toBe(0);
      // A slow-down lives until its multiplier would be back to 1 (1/2 → 1 in one 5-minute step, plus one).
      await l.slowDown('domain:a.test', DEFAULT_BACKOFF, Date.now());
      const slowTtl = await raw.pttl(`${prefix}slow:domain:a.test`);
      expect(slowTtl).toBeGreaterThan(9 * 60_000);
      expect(slowTtl).toBeLessThanOrEqual(10 * 60_000);
    } finally {
      await l.close();
      raw.disconnect();
    }
  });

  it('reloads its script after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_URL);
    const l = new RedisLimiter({ url: REDIS_URL, prefix: `${space.prefix}flush:` });
    try {
      const k = { key: 'global', rate: { perSecond: 0.1, burst: 1 } };
      expect(await l.reserve([k], 1_000_000)).toBe(1_000_000);
      await raw.script('FLUSH');
      expect(await l.reserve([k], 1_000_000)).toBe(1_010_000);
    } finally {
      await l.close();
      raw.disconnect();
    }
  });

  it('fails with LIMITER_UNAVAILABLE, in bounded time, when Redis cannot be reached', async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const l = new RedisLimiter({ url: `redis://:secret-pass@127.0.0.1:${port}`, prefix: 'x:', timeoutMs: 500, onError: (e) => errors.push(e) });
    try {
      const started = Date.now();
      const err = await l.reserve([{ key: 'global', rate: { perSecond: 1, burst: 1 } }], Date.now()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('LIMITER_UNAVAILABLE');
      expect((err as AppError).retryable).toBe(true);
      expect((err as AppError).message).toContain(`127.0.0.1:${port}`);
      expect((err as AppError).message).not.toContain('secret-pass');
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect(l.ping()).rejects.toMatchObject({ code: 'LIMITER_UNAVAILABLE' });
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await l.close();
    }
  });
});
