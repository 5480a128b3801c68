import { describe, it, expect, beforeEach } from 'vitest';
import { simpleParser } from 'mailparser';
import type { Transport } from '../../src/ports/transport.js';
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

const worker = (transport: Transport, batchSize = 10) => p.worker(transport, batchSize);

describe('delivery engine', () => {
  it('drains critical before high before normal before low, whatever the arrival order', async () => {
    const order = ['low', 'normal', 'critical', 'high', 'low', 'critical', 'normal', 'high'] as const;
    await accept.sendBatch(order.map((p, i) => ({ to: `${p}${i}@example.com`, subject: p, text: 'x', priority: p })), null);
    const t = new ScriptedTransport();
    const w = worker(t, 2);
    while ((await w.runOnce()) > 0);
    expect(t.delivered.map((m) => m.envelope.to[0]!.replace(/\d.*/, ''))).toEqual(['critical', 'critical', 'high', 'high', 'normal', 'normal', 'low', 'low']);
  });

  it('holds a scheduled message until it is due', async () => {
    await accept.sendOne({ to: 'later@example.com', subject: 's', text: 't', send_at: new Date(clock.now() + 60_000).toISOString() }, null);
    const t = new ScriptedTransport();
    const w = worker(t);
    expect(await w.runOnce()).toBe(0);
    clock.advance(60_000);
    expect(await w.runOnce()).toBe(1);
    expect(t.delivered.length).toBe(1);
  });

  it('defers transient failures with 2^n-minute backoff, then fails when retries are spent', async () => {
    const { id } = await accept.sendOne({ to: 'flaky@example.com', subject: 's', text: 't' }, null);
    const t = new ScriptedTransport(() => ({ ok: false, permanent: false, code: 451, enhancedCode: '4.7.1', response: '451 4.7.1 Try again later' }));
    const w = worker(t);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await w.runOnce()).toBe(1);
      const m = (await store.getMessage(id))!;
      if (attempt < 4) {
        expect(m.status).toBe('deferred');
        delays.push(m.dueAt - clock.now());
        clock.advance(m.dueAt - clock.now());
      } else {
        expect(m.status).toBe('failed');
        expect(m.lastError).toMatch(/retries exhausted after 4 attempts; last: 451 4.7.1/);
      }
    }
    // random 0.5 → no jitter: 2, 4, 8 minutes (seed 000: 3 retries, 2^n minutes).
    expect(delays).toEqual([120_000, 240_000, 480_000]);
    const events = await store.getEvents(id);
    expect(events.filter((e) => e.type === 'deferred').map((e) => e.detail?.code)).toEqual([451, 451, 451]);
  });

  it('bounces a permanent rejection at once and keeps the reply', async () => {
    const { id } = await accept.sendOne({ to: 'gone@example.com', subject: 's', text: 't' }, null);
    const w = worker(new ScriptedTransport(() => ({ ok: false, permanent: true, code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 No such user' })));
    await w.runOnce();
    expect(await store.getMessage(id)).toMatchObject({ status: 'bounced', attempts: 1, lastCode: 550, lastError: '550 5.1.1 No such user' });
  });

  it('composes valid MIME: encoded non-ASCII headers, both parts, a stable Message-ID', async () => {
    const { id } = await accept.sendOne({
      to: 'Zoë Ünal <zoe@example.com>', from: 'Café Crème <hello@cafe.test>', subject: 'Ça va, {{ name }}? — 日本語 {{ n }}',
      html: '<p>Grüße, {{ name }}</p>', variables: { name: 'Zoë', n: 3 }, headers: { 'X-Campaign': 'été' }, reply_to: 'support@cafe.test',
    }, null);
    const t = new ScriptedTransport();
    await worker(t).runOnce();
    const out = t.delivered[0]!;
    expect(out.envelope).toEqual({ from: 'hello@cafe.test', to: ['zoe@example.com'] });
    const raw = out.raw.toString('utf8');
    expect(raw).not.toMatch(/[^\x00-\x7f]/); // 7-bit clean on the wire
    expect(raw.split('\r\n').every((l) => l.length <= 998)).toBe(true);
    const parsed = await simpleParser(out.raw);
    expect(parsed.subject).toBe('Ça va, Zoë? — 日本語 3');
    expect(parsed.from!.value[0]).toEqual({ address: 'hello@cafe.test', name: 'Café Crème' });
    expect((parsed.to as { value: Array<{ name: string }> }).value[0]!.name).toBe('Zoë Ünal');
    expect(parsed.html).toContain('Grüße, Zoë');
    expect(parsed.text).toContain('Grüße, Zoë');
    // mailparser leaves custom headers undecoded: check the RFC 2047 word itself.
    expect(parsed.headers.get('x-campaign')).toBe(`=?UTF-8?B?${Buffer.from('été').toString('base64')}?=`);
    expect(parsed.messageId).toBe(`<${id.toLowerCase()}@cafe.test>`);
    expect((parsed.replyTo as { value: Array<{ address: string }> }).value[0]!.address).toBe('support@cafe.test');
  });

  it('takes back a message whose worker died and delivers it once', async () => {
    const { id } = await accept.sendOne({ to: 'x@example.com', subject: 's', text: 't' }, null);
    await store.claimMessages('dead-worker', clock.now(), 10, 30_000);
    const t = new ScriptedTransport();
    const w = worker(t);
    expect(await w.runOnce()).toBe(0);
    clock.advance(30_001);
    expect(await store.releaseExpiredLeases(clock.now())).toBe(1);
    expect(await w.runOnce()).toBe(1);
    expect(t.delivered.map((m) => m.id)).toEqual([id]);
    expect((await store.getMessage(id))!.attempts).toBe(2);
  });
});
