// The limiter contract: one suite every Limiter adapter must pass (run for the in-memory and the Redis adapter).
// Times are the caller's (a fixed T0 and offsets), so the cases are exact. Rates are slow (slots seconds apart):
// a Redis key lives as long as its debt in real time, which must outlast the few milliseconds between two calls.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { DEFAULT_BACKOFF } from '../../src/domain/domain-backoff.js';
import { reserveSlot, type RateSpec } from '../../src/domain/gcra.js';
import { domainRate } from '../../src/domain/throttle-policy.js';
import type { LimitKey, Limiter } from '../../src/ports/limiter.js';

const T0 = 1_800_000_000_000;

/** What a test gets: a limiter, a second handle on the same shared state (another process), and a cleanup. */
export interface LimiterUnderTest {
  limiter: Limiter;
  other: () => Promise<Limiter>;
  cleanup: () => Promise<void>;
}

const key = (name: string, rate: RateSpec): LimitKey => ({ key: name, rate });

/** Run the contract against limiters made by `make` (fresh, empty state each test). */
export function describeLimiterContract(name: string, make: () => Promise<LimiterUnderTest>, skip = false): void {
  describe.skipIf(skip)(`Limiter contract: ${name}`, () => {
    let limiter: Limiter;
    let other: () => Promise<Limiter>;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ limiter, other, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('spaces slots at the rate: each reservation holds the next one', async () => {
      const k = key('domain:slow.test', { perSecond: 0.1, burst: 1 });
      const got = [];
      for (let i = 0; i < 5; i++) got.push(await limiter.reserve([k], T0));
      expect(got).toEqual([T0, T0 + 10_000, T0 + 20_000, T0 + 30_000, T0 + 40_000]);
      // Later callers queue behind the slots already held, not behind their own arrival.
      expect(await limiter.reserve([k], T0 + 15_000)).toBe(T0 + 50_000);
    });

    it('never lets a 60-second window hold more than a per-minute domain limit, whatever the arrivals', async () => {
      const k: LimitKey = { key: 'domain:limited.test', rate: domainRate({ '*': 6 }, 'limited.test')! };
      let now = T0;
      const times: number[] = [];
      let seed = 7;
      for (let i = 0; i < 40; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        now += seed % 9000; // arrivals 0–9 s apart: bursts and gaps
        times.push(await limiter.reserve([k], now));
      }
      for (const t0 of times) expect(times.filter((t) => t >= t0 && t < t0 + 60_000).length).toBeLessThanOrEqual(6);
      expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    });

    it('lets a burst go at once, then paces; a paid-off debt gives the burst back', async () => {
      const k = key('relay:smtp', { perSecond: 0.1, burst: 3 });
      const first = [];
      for (let i = 0; i < 5; i++) first.push(await limiter.reserve([k], T0));
      expect(first).toEqual([T0, T0, T0, T0 + 10_000, T0 + 20_000]);
      // Five slots at 10 s each: the debt is paid at T0 + 50 s; then the key is as good as new.
      const later = [];
      for (let i = 0; i < 4; i++) later.push(await limiter.reserve([k], T0 + 50_000));
      expect(later).toEqual([T0 + 50_000, T0 + 50_000, T0 + 50_000, T0 + 60_000]);
    });

    it('forgets a key once its debt has passed: it behaves as a fresh one', async () => {
      const k = key('domain:once.test', { perSecond: 0.1, burst: 1 });
      for (let i = 0; i < 3; i++) await limiter.reserve([k], T0);
      expect(await limiter.reserve([k], T0 + 30_000)).toBe(T0 + 30_000);
      expect(await limiter.reserve([k], T0 + 30_000)).toBe(T0 + 40_000);
      expect(await limiter.reserve([k], T0 + 3_600_000)).toBe(T0 + 3_600_000);
    });

    it('reserves every key of a call together and answers the latest', async () => {
      const domain = key('domain:both.test', { perSecond: 0.1, burst: 1 });
      const global = key('global', { perSecond: 0.5, burst: 1 });
      expect(await limiter.reserve([domain, global], T0)).toBe(T0);
      expect(await limiter.reserve([domain, global], T0)).toBe(T0 + 10_000);
      // Both calls held a global slot, even the one that waits for its domain: the third global slot is at 4 s.
      expect(await limiter.reserve([global], T0)).toBe(T0 + 4_000);
      // Another domain is not held back by this one.
      expect(await limiter.reserve([key('domain:free.test', { perSecond: 0.1, burst: 1 })], T0)).toBe(T0);
    });

    it('reserveEach gives what the same reservations one by one give, in order', async () => {
      const reqs = (p: string): LimitKey[][] => [
        [key(`${p}a`, { perSecond: 0.1, burst: 2 }), key(`${p}g`, { perSecond: 0.25, burst: 3 })],
        [key(`${p}a`, { perSecond: 0.1, burst: 2 })],
        [key(`${p}b`, { perSecond: 0.2, burst: 1 }), key(`${p}g`, { perSecond: 0.25, burst: 3 })],
        [],
        [key(`${p}a`, { perSecond: 0.1, burst: 2 }), key(`${p}b`, { perSecond: 0.2, burst: 1 }), key(`${p}g`, { perSecond: 0.25, burst: 3 })],
        [key(`${p}a`, { perSecond: 0.1, burst: 2 })],
      ];
      const together = await limiter.reserveEach(reqs('x:'), T0);
      const oneByOne = [];
      for (const r of reqs('y:')) oneByOne.push(await limiter.reserve(r, T0));
      expect(together).toEqual(oneByOne);
      expect(together).toEqual([T0, T0, T0, T0, T0 + 10_000, T0 + 20_000]);
      expect(await limiter.reserveEach([], T0)).toEqual([]);
    });

    it('computes exactly what the domain arithmetic (gcra.reserveSlot) computes, fractional rates included', async () => {
      const rates: RateSpec[] = [{ perSecond: 1 / 3, burst: 1 }, { perSecond: 0.07, burst: 4 }, { perSecond: 54 / 60, burst: 6 }];
      const tat = new Map<string, number>();
      let now = T0;
      let seed = 42;
      for (let i = 0; i < 60; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        now += seed % 1500;
        const picked = rates.map((r, j) => ({ r, j })).filter(({ j }) => (seed >> (j + 3)) & 1);
        const keys = picked.map(({ r, j }) => key(`k${j}`, r));
        let expected = now;
        for (const k of keys) {
          const s = reserveSlot(k.rate, tat.get(k.key), now);
          tat.set(k.key, s.tat);
          expected = Math.max(expected, s.sendAt);
        }
        expect(await limiter.reserve(keys, now), `step ${i}`).toBe(expected);
      }
    });

    it('slows a key down on throttling replies, to a floor, and lets it recover', async () => {
      const spec = DEFAULT_BACKOFF;
      expect(await limiter.factor('domain:busy.test', spec, T0)).toBe(1);
      expect(await limiter.slowDown('domain:busy.test', spec, T0)).toBe(0.5);
      expect(await limiter.factor('domain:busy.test', spec, T0 + 1)).toBe(0.5);
      for (let i = 0; i < 5; i++) await limiter.slowDown('domain:busy.test', spec, T0 + 10);
      expect(await limiter.factor('domain:busy.test', spec, T0 + 10)).toBe(1 / 16);
      // Doubled back every 5 quiet minutes.
      expect(await limiter.factor('domain:busy.test', spec, T0 + 10 + 5 * 60_000)).toBe(1 / 8);
      expect(await limiter.factor('domain:busy.test', spec, T0 + 10 + 20 * 60_000)).toBe(1);
      expect(await limiter.factor('domain:other.test', spec, T0 + 10)).toBe(1);
    });

    it('reserves at the slowed rate while a key is slowed down', async () => {
      const k: LimitKey = { key: 'domain:slowed.test', rate: { perSecond: 0.2, burst: 4 }, slowdown: DEFAULT_BACKOFF };
      await limiter.slowDown(k.key, DEFAULT_BACKOFF, T0);
      // Half the rate (one slot per 10 s instead of 5 s), half the burst (2).
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await limiter.reserve([k], T0 + 1000));
      expect(got).toEqual([T0 + 1000, T0 + 1000, T0 + 11_000, T0 + 21_000]);
      // Without a slowdown spec the same key's rate is taken as given.
      const plain = key('domain:unslowed.test', { perSecond: 0.2, burst: 4 });
      await limiter.slowDown(plain.key, DEFAULT_BACKOFF, T0);
      const fast = [];
      for (let i = 0; i < 5; i++) fast.push(await limiter.reserve([plain], T0 + 1000));
      expect(fast).toEqual([T0 + 1000, T0 + 1000, T0 + 1000, T0 + 1000, T0 + 6000]);
    });

    it('shares slots and slow-downs with every handle on the same state (another process)', async () => {
      const second = await other();
      const k: LimitKey = { key: 'domain:shared.test', rate: { perSecond: 0.1, burst: 1 }, slowdown: DEFAULT_BACKOFF };
      expect(await limiter.reserve([k], T0)).toBe(T0);
      expect(await second.reserve([k], T0)).toBe(T0 + 10_000);
      await second.slowDown(k.key, DEFAULT_BACKOFF, T0);
      expect(await limiter.factor(k.key, DEFAULT_BACKOFF, T0)).toBe(0.5);
      // Slowed to one slot per 20 s from the TAT the other handle left (T0 + 20 s).
      expect(await limiter.reserve([k], T0)).toBe(T0 + 20_000);
      expect(await second.reserve([k], T0)).toBe(T0 + 40_000);
      if (second !== limiter) await second.close();
    });

    it('answers a ping', async () => {
      await expect(limiter.ping()).resolves.toBeUndefined();
    });
  });
}
