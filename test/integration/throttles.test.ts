import { describe, it, expect, beforeEach } from 'vitest';
import { MemoryLimiter } from '../../src/adapters/limiter/memory-limiter.js';
import type { DeliveryWorker } from '../../src/engine/delivery-worker.js';
import { LIMITER_RETRY_MS, ThrottleGate } from '../../src/engine/throttle-gate.js';
import { AppError } from '../../src/domain/errors.js';
import type { Limiter } from '../../src/ports/limiter.js';
import { DEFAULT_DOMAIN_LIMITS } from '../../src/domain/throttle-policy.js';
import type { SendOutcome, Transport } from '../../src/ports/transport.js';
import { ScriptedTransport } from '../support/fakes.js';
import { usePipeline, type TestPipeline } from '../support/pipeline.js';

const pipeline = usePipeline();
let p: TestPipeline;
let store: TestPipeline['store'];
let clock: TestPipeline['clock'];
let accept: TestPipeline['accept'];
beforeEach(() => {
  p = pipeline.current;
  ({ store, clock, accept } = p);
});

const worker = (transport: Transport, gate: ThrottleGate, batchSize = 500) => p.worker(transport, batchSize, { gate });

/** Run the worker over simulated time (1 s steps), returning when each message was sent, by domain. */
async function simulate(w: DeliveryWorker, t: ScriptedTransport, seconds: number): Promise<Map<string, number[]>> {
  const sent = new Map<string, number[]>();
  let seen = 0;
  for (let s = 0; s < seconds; s++) {
    while ((await w.runOnce()) > 0);
    for (const m of t.delivered.slice(seen)) {
      const d = m.envelope.to[0]!.split('@')[1]!;
      sent.set(d, [...(sent.get(d) ?? []), clock.now()]);
    }
    seen = t.delivered.length;
    clock.advance(1000);
  }
  return sent;
}

describe('throttles', () => {
  it('holds each domain to its per-minute limit and keeps serving other domains meanwhile', async () => {
    const gate = new ThrottleGate(new MemoryLimiter(), { domains: DEFAULT_DOMAIN_LIMITS, relay: null, global: null }, 'test');
    const msgs = [
      ...Array.from({ length: 300 }, (_, i) => ({ to: `g${i}@gmail.com`, subject: 's', text: 't' })),
      ...Array.from({ length: 100 }, (_, i) => ({ to: `y${i}@yahoo.com`, subject: 's', text: 't' })),
      ...Array.from({ length: 50 }, (_, i) => ({ to: `o${i}@other.test`, subject: 's', text: 't' })),
    ];
    await accept.sendBatch(msgs, null);
    const t = new ScriptedTransport();
    const sent = await simulate(worker(t, gate), t, 215);
    const start = 1_800_000_000_000;
    // Every 60-second window holds at most the limit (+1 for the window's edge).
    const maxInWindow = (times: number[]) => Math.max(...times.map((t0) => times.filter((x) => x >= t0 && x < t0 + 60_000).length));
    expect(maxInWindow(sent.get('gmail.com')!)).toBeLessThanOrEqual(101);
    expect(maxInWindow(sent.get('yahoo.com')!)).toBeLessThanOrEqual(51);
    // Other domains are not held back by gmail's backlog: a burst of 20 at once, the rest at their own rate (200/min).
    const other = sent.get('other.test')!;
    expect(other.filter((x) => x === start).length).toBe(20);
    expect(Math.max(...other) - start).toBeLessThanOrEqual(11_000);
    // Nothing dropped: gmail's 300 take ~200 s (a burst of 10, then 90/min), yahoo's 100 ~110 s.
    expect(sent.get('gmail.com')!.length).toBe(300);
    expect(sent.get('yahoo.com')!.length).toBe(100);
    // Throttle deferrals do not use up attempts.
    const rows = await store.listMessages({ limit: 1000 });
    expect(rows.every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true);
  });

  it('slows a domain as a whole when it answers with throttling replies, never failing its messages for it', async () => {
    const gate = new ThrottleGate(new MemoryLimiter(), { domains: { '*': 600 }, relay: null, global: null }, 'test');
    await accept.sendBatch(Array.from({ length: 60 }, (_, i) => ({ to: `u${i}@busy.test`, subject: 's', text: 't' })), null);
    let refusals = 0;
    const t = new ScriptedTransport((): SendOutcome => {
      if (refusals < 5) {
        refusals++;
        return { ok: false, permanent: false, code: 421, enhancedCode: '4.7.0', response: '421 4.7.0 Too many messages, slow down', throttle: true };
      }
      return { ok: true, providerMessageId: 'q', response: '250 ok' };
    });
    const w = worker(t, gate, 10);
    await w.runOnce();
    expect(await gate.factor('busy.test', clock.now())).toBeLessThan(1);
    await simulate(w, t, 120);
    const rows = await store.listMessages({ limit: 100 });
    expect(rows.every((m) => m.status === 'sent')).toBe(true);
    const events = (await Promise.all(rows.map((m) => store.getEvents(m.id)))).flat();
    const deferred = events.filter((e) => e.type === 'deferred' && e.detail?.code === 421);
    expect(deferred.length).toBe(5);
    expect(deferred.every((e) => e.detail?.reason === 'receiver throttling: domain slowed')).toBe(true);
  });
});

describe('an unreachable limiter', () => {
  it('defers the messages that need a throttle without sending them, and charges them once it answers again', async () => {
    const memory = new MemoryLimiter();
    let down = true;
    const calls: number[] = [];
    const flaky: Limiter = {
      reserve: (k, now) => memory.reserve(k, now),
      reserveEach: async (r, now) => {
        calls.push(r.length);
        if (down) throw new AppError('LIMITER_UNAVAILABLE', 'shared rate limiter at redis://127.0.0.1:1 failed: connect ECONNREFUSED', { retryable: true });
        return memory.reserveEach(r, now);
      },
      slowDown: (k, s, now) => memory.slowDown(k, s, now),
      factor: (k, s, now) => memory.factor(k, s, now),
      ping: async () => undefined,
      close: async () => undefined,
    };
    const gate = new ThrottleGate(flaky, { domains: { 'limited.test': 60 }, relay: null, global: null }, 'test');
    const batch = await accept.sendBatch(Array.from({ length: 10 }, (_, i) => ({ to: `u${i}@limited.test`, subject: 's', text: 't' })), null);
    const t = new ScriptedTransport();
    const w = worker(t, gate);
    await w.runOnce();
    // One limiter call for the whole batch; it failed, so nothing went out.
    expect(calls).toEqual([10]);
    expect(t.delivered).toHaveLength(0);
    for (const q of batch.queued) {
      const m = await store.getMessage(q.id);
      // Deferred by LIMITER_RETRY_MS, no attempt used, and no slot held (it is charged when it comes back).
      expect(m).toMatchObject({ status: 'deferred', attempts: 0, throttleSlot: null, dueAt: clock.now() + LIMITER_RETRY_MS });
    }
    const ev = (await store.getEvents(batch.queued[0]!.id)).find((e) => e.type === 'deferred');
    expect(ev?.detail).toMatchObject({ reason: 'limiter unavailable' });

    down = false;
    clock.advance(LIMITER_RETRY_MS);
    await w.runOnce();
    // Back: the domain's burst (6 of 60/minute) goes now, the rest are deferred to their slots.
    expect(t.delivered).toHaveLength(6);
    const rows = await Promise.all(batch.queued.map((q) => store.getMessage(q.id)));
    expect(rows.filter((m) => m!.status === 'deferred' && m!.throttleSlot! > clock.now())).toHaveLength(4);
  });
});

describe('suppression and bounces', () => {
  it('bounces a 5.1.1 rejection, suppresses the address, and refuses or suppresses later messages to it', async () => {
    const gate = new ThrottleGate(new MemoryLimiter(), { domains: {}, relay: null, global: null }, 'test');
    const a = await accept.sendOne({ to: 'Gone@Example.com', subject: 's', text: 't' }, null);
    const queuedBefore = await accept.sendOne({ to: 'gone@example.com', subject: 'second', text: 't', send_at: new Date(clock.now() + 60_000).toISOString() }, null);
    const policy = await accept.sendOne({ to: 'blocked@example.com', subject: 's', text: 't' }, null);
    const t = new ScriptedTransport((m) => m.envelope.to[0] === 'Gone@Example.com'
      ? { ok: false, permanent: true, code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 <Gone@Example.com>: user unknown' }
      : m.envelope.to[0] === 'blocked@example.com'
        ? { ok: false, permanent: true, code: 554, enhancedCode: '5.7.1', response: '554 5.7.1 rejected by policy' }
        : { ok: true, providerMessageId: 'x', response: '250' });
    const w = worker(t, gate);
    await w.runOnce();
    expect(await store.getMessage(a.id)).toMatchObject({ status: 'bounced', lastCode: 550 });
    expect(await store.getMessage(policy.id)).toMatchObject({ status: 'bounced', lastCode: 554 });
    const sup = await store.findSuppressions(['gone@example.com', 'blocked@example.com']);
    expect([...sup.keys()]).toEqual(['gone@example.com']);
    expect(sup.get('gone@example.com')).toMatchObject({ reason: 'hard_bounce', messageId: a.id });

    // Accepted before the bounce: suppressed at send time, with the reason.
    clock.advance(60_000);
    await w.runOnce();
    expect(await store.getMessage(queuedBefore.id)).toMatchObject({ status: 'suppressed', lastError: 'recipient suppressed: hard_bounce', attempts: 0 });
    expect(t.delivered.length).toBe(0);

    // After the bounce: refused at the API.
    await expect(accept.sendOne({ to: 'GONE@example.com', subject: 's', text: 't' }, null)).rejects.toMatchObject({ code: 'RECIPIENT_SUPPRESSED', field: 'to' });
    const batch = await accept.sendBatch([{ to: 'ok@example.com', subject: 's', text: 't' }, { to: 'gone@example.com', subject: 's', text: 't' }], null);
    expect(batch.queued.map((q) => q.index)).toEqual([0]);
    expect(batch.rejected).toEqual([expect.objectContaining({ index: 1, code: 'RECIPIENT_SUPPRESSED', field: 'messages[1].to' })]);
  });
});
