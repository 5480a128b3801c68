// The smtp transport against misbehaving relays, over real sockets on 127.0.0.1 (smtp-server on port 0): a 421
// greeting, 450 and 550 refusals, a drop in the middle of DATA, a relay that is down and comes back, one that
// answers too slowly. The pipeline is the real one (SQLite store, accept, delivery worker) with a fake clock,
// so retries happen at once. Each case ends with every message delivered exactly once or failed with its
// reason: none lost, none doubled.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { SmtpTransport } from '../../src/adapters/transports/smtp/smtp-transport.js';
import type { MessageRecord } from '../../src/ports/store.js';
import type { DeliveryWorker } from '../../src/engine/delivery-worker.js';
import { makePipeline, type TestPipeline } from '../support/pipeline.js';
import { startSmtpServer, type SmtpServerOptions, type TestSmtpServer } from '../support/smtp-server.js';
import { testMessage } from '../contract/transport-contract.js';

let p: TestPipeline;
let store: TestPipeline['store'];
let clock: TestPipeline['clock'];
let accept: TestPipeline['accept'];
let server: TestSmtpServer | null;
let transport: SmtpTransport | null;

beforeEach(async () => {
  p = await makePipeline();
  ({ store, clock, accept } = p);
  server = null;
  transport = null;
});
afterEach(async () => {
  await transport?.close();
  await server?.stop();
  await p.close();
});

// Short timeouts keep every case well under 10 s; the relay is local, so anything slower is a fault.
const FAST = { connect_timeout: 1000, greeting_timeout: 1000, command_timeout: 500, data_timeout: 500, max_connections: 3 };

async function relay(opts: SmtpServerOptions, query: Record<string, string | number | boolean> = {}): Promise<{ s: TestSmtpServer; t: SmtpTransport }> {
  server = await startSmtpServer(opts);
  transport = SmtpTransport.fromUrl(server.url({ ...FAST, ...query }));
  return { s: server, t: transport };
}

const worker = (t: SmtpTransport) => p.worker(t, 10);

async function queue(recipients: string[]): Promise<string[]> {
  const r = await accept.sendBatch(recipients.map((to, i) => ({ to, subject: `s${i}`, text: `body ${i}\n.dot line` })), null);
  expect(r.rejected).toEqual([]);
  return r.queued.map((q) => q.id);
}

/** Run the worker until nothing is due, then move the clock past the longest backoff; `rounds` times. */
async function drain(w: DeliveryWorker, rounds: number, between?: (round: number) => Promise<void>): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    while ((await w.runOnce()) > 0);
    await between?.(round);
    clock.advance(10 * 60_000);
  }
}

async function messages(ids: string[]): Promise<MessageRecord[]> {
  return Promise.all(ids.map(async (id) => (await store.getMessage(id))!));
}

/** Every message sent and received once by the relay, or failed/bounced with a reason; nothing in between. */
async function expectSettled(ids: string[], s: TestSmtpServer): Promise<MessageRecord[]> {
  const ms = await messages(ids);
  const perRecipient = new Map<string, number>();
  for (const r of s.received) for (const to of r.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  for (const m of ms) {
    expect(['sent', 'failed', 'bounced'], `${m.toAddress} is ${m.status}`).toContain(m.status);
    if (m.status === 'sent') expect(perRecipient.get(m.toAddress), m.toAddress).toBe(1);
    else {
      expect(m.lastError).toMatch(/\S/);
      expect(perRecipient.get(m.toAddress) ?? 0).toBe(0);
    }
  }
  return ms;
}

const codesOf = async (id: string, type: string) => (await store.getEvents(id)).filter((e) => e.type === type).map((e) => e.detail?.code);

describe('smtp transport against faulty relays', () => {
  it('a relay that greets with 421: deferred as throttling, then delivered when it accepts', async () => {
    const { s, t } = await relay({ refuse: { connections: 3, code: 421, message: '4.7.0 Too many connections, slow down' } });
    const out = await t.sendBatch([testMessage(1), testMessage(2)]);
    for (const o of out) expect(o).toMatchObject({ ok: false, permanent: false, code: 421, enhancedCode: '4.7.0', throttle: true });
    const ids = await queue(['a@example.com', 'b@example.com', 'c@example.com']);
    await drain(worker(t), 2);
    const ms = await expectSettled(ids, s);
    expect(ms.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    expect(s.received).toHaveLength(3);
  });

  it('a relay that answers 421 mid-session: that message is deferred, the connection replaced, the rest delivered', async () => {
    const { s, t } = await relay({ rules: [{ match: /^closing@/, code: 421, message: '4.3.2 Service shutting down', times: 1 }] }, { max_connections: 1 });
    const ids = await queue(['a@example.com', 'closing@example.com', 'c@example.com', 'd@example.com']);
    const w = worker(t);
    await w.runOnce();
    const first = await messages(ids);
    expect(first.map((m) => m.status)).toEqual(['sent', 'deferred', 'sent', 'sent']);
    expect(first[1]!.lastError).toMatch(/^421 4\.3\.2/);
    await drain(w, 2);
    await expectSettled(ids, s);
    expect(s.connections()).toBe(2);
  });

  it('450 to some recipients: those are deferred with the reply kept, and delivered on a later try', async () => {
    const { s, t } = await relay({ rules: [{ match: /^busy/, code: 450, message: '4.2.1 Mailbox busy, try later', times: 2 }] });
    const ids = await queue(['a@example.com', 'busy1@example.com', 'b@example.com', 'busy2@example.com']);
    await drain(worker(t), 2);
    const ms = await expectSettled(ids, s);
    expect(ms.map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(await codesOf(ids[1]!, 'deferred')).toEqual([450]);
    expect(ms[1]!.attempts).toBe(2);
    expect(ms[0]!.attempts).toBe(1);
  });

  it('550: fails at once with the reply, the other messages go through', async () => {
    const { s, t } = await relay({ rules: [{ match: /^gone@/, code: 550, message: '5.1.1 No such user here' }] });
    const ids = await queue(['a@example.com', 'gone@example.com', 'b@example.com']);
    await drain(worker(t), 1);
    const ms = await expectSettled(ids, s);
    expect(ms.map((m) => m.status)).toEqual(['sent', expect.stringMatching(/^(bounced|failed)$/), 'sent']);
    expect(ms[1]).toMatchObject({ attempts: 1, lastCode: 550, lastError: '550 5.1.1 No such user here' });
  });

  it('a drop in the middle of DATA: that message is retried and delivered once, the others are not lost', async () => {
    const { s, t } = await relay({ rules: [{ match: /^victim@/, at: 'data', drop: true, times: 1 }] }, { max_connections: 1 });
    const ids = await queue(['a@example.com', 'b@example.com', 'victim@example.com', 'c@example.com', 'd@example.com']);
    const w = worker(t);
    await w.runOnce();
    const first = await messages(ids);
    expect(first[2]).toMatchObject({ status: 'deferred' });
    expect(first[2]!.lastError).toMatch(/connection lost after the message was sent/);
    // The messages pipelined behind it on the dead connection were put back and sent on a new one.
    expect(first.filter((m) => m.status === 'sent')).toHaveLength(4);
    await drain(w, 2);
    const ms = await expectSettled(ids, s);
    expect(ms.every((m) => m.status === 'sent')).toBe(true);
  });

  it('a relay that is down for a while: deferred (connection refused), delivered once it is back', async () => {
    const probe = await startSmtpServer();
    const port = probe.port;
    await probe.stop();
    transport = SmtpTransport.fromUrl(`smtp://127.0.0.1:${port}?${new URLSearchParams(Object.entries(FAST).map(([k, v]) => [k, String(v)]))}`);
    const ids = await queue(['a@example.com', 'b@example.com']);
    const w = worker(transport);
    await drain(w, 2);
    const down = await messages(ids);
    expect(down.map((m) => m.status)).toEqual(['deferred', 'deferred']);
    expect(down[0]!.lastError).toMatch(/ECONNREFUSED/);
    expect(down[0]!.attempts).toBe(2);
    server = await startSmtpServer({ port });
    await drain(w, 1);
    await expectSettled(ids, server);
    expect(server.received).toHaveLength(2);
  });

  it('a relay that goes away between batches: pooled connections are noticed dead and replaced', async () => {
    const { s, t } = await relay({});
    expect((await t.sendBatch([testMessage(1), testMessage(2)])).every((o) => o.ok)).toBe(true);
    const port = s.port;
    await s.stop();
    const down = await t.sendBatch([testMessage(3)]);
    expect(down[0]).toMatchObject({ ok: false, permanent: false });
    server = await startSmtpServer({ port });
    const back = await t.sendBatch([testMessage(4), testMessage(5)]);
    expect(back.every((o) => o.ok)).toBe(true);
    expect(server.received).toHaveLength(2);
  });

  it('a relay that closes idle connections with 421: the next batch gets fresh ones, and no message a 421', async () => {
    const { s, t } = await relay({ idleTimeoutMs: 300 }, { max_connections: 2 });
    expect((await t.sendBatch([testMessage(1), testMessage(2), testMessage(3)])).every((o) => o.ok)).toBe(true);
    const before = s.connections();
    const until = Date.now() + 3000;
    while (s.open() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(s.open()).toBe(0);
    const again = await t.sendBatch([testMessage(4), testMessage(5)]);
    expect(again).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })]);
    expect(s.connections()).toBeGreaterThan(before);
    expect(s.received).toHaveLength(5);
  });

  it('a relay that answers too slowly: the message times out (transient), the rest are delivered, then it too', async () => {
    const { s, t } = await relay({ rules: [{ match: /^slow@/, delayMs: 2000, times: 1 }] }, { max_connections: 1 });
    const ids = await queue(['a@example.com', 'slow@example.com', 'b@example.com']);
    const w = worker(t);
    const t0 = Date.now();
    await w.runOnce();
    expect(Date.now() - t0).toBeLessThan(1800);
    const first = await messages(ids);
    expect(first[1]).toMatchObject({ status: 'deferred' });
    expect(first[1]!.lastError).toMatch(/no reply to RCPT TO from smtp:\/\/127\.0\.0\.1:\d+ within 500 ms/);
    await drain(w, 2);
    const ms = await expectSettled(ids, s);
    expect(ms.every((m) => m.status === 'sent')).toBe(true);
  });

  it('a final reply that never comes: transient, and said to be possibly delivered (the relay did get it)', async () => {
    const { s, t } = await relay({ rules: [{ match: /^late@/, at: 'data', delayMs: 1500, times: 1 }] }, { max_connections: 1 });
    const [a, late, b] = await t.sendBatch([testMessage(1), testMessage(2, undefined, 'late@example.com'), testMessage(3)]);
    expect(a!.ok && b!.ok).toBe(true);
    expect(late).toMatchObject({ ok: false, permanent: false });
    expect(!late!.ok && late!.response).toMatch(/connection lost after the message was sent, before the relay confirmed it: no reply to end of DATA .* within 500 ms/);
    // The server took it after our deadline: the honest answer is "may be delivered", never "ok".
    const until = Date.now() + 3000;
    while (!s.received.some((r) => r.to[0] === 'late@example.com') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(s.received.some((r) => r.to[0] === 'late@example.com')).toBe(true);
  });

  it('a relay that is unreachable in the connect phase fails a batch quickly, whatever its size', async () => {
    const probe = await startSmtpServer();
    const port = probe.port;
    await probe.stop();
    transport = SmtpTransport.fromUrl(`smtp://127.0.0.1:${port}?max_connections=4`);
    const t0 = Date.now();
    const out = await transport.sendBatch(Array.from({ length: 50 }, (_, i) => testMessage(i)));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(out).toHaveLength(50);
    expect(out.every((o) => !o.ok && !o.permanent && /ECONNREFUSED/.test(o.response))).toBe(true);
  });
});
