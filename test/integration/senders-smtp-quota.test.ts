// Sender pools through the real delivery worker, with SMTP senders against the in-process SMTP server and a fake
// clock: daily limits over a rolling 24 hours, the pool shown exhausted, waiting messages sent once the window frees.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { FakeClock } from '../support/fakes.js';

const DAY = 24 * 3600_000;

describe('sender pools over SMTP senders', () => {
  let smtp: TestSmtpServer;
  let ts: TestServer;
  let clock: FakeClock;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    clock = new FakeClock();
    ts = await startTestServer({ POSTFLOW_DELIVERY_THREADS: '0' }, { clock });
  });
  afterEach(async () => {
    await ts.close();
    await smtp.stop();
  });

  const api = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await ts.app.inject({ method, url, headers: ts.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  const drain = async (): Promise<number> => {
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const n = await ts.rt.worker.runOnce();
      if (n === 0) return total;
      total += n;
    }
    throw new Error('the queue did not drain in 50 batches');
  };
  const perSender = () => {
    const n: Record<string, number> = {};
    for (const m of smtp.received) n[m.from] = (n[m.from] ?? 0) + 1;
    return n;
  };

  it('3 senders with a daily limit of 5, 20 messages: 15 sent (5 each), 5 wait, pool exhausted; the window frees and the 5 go', async () => {
    for (const id of ['s1', 's2', 's3']) {
      const r = await api('POST', '/api/v1/senders', { id, kind: 'smtp', email: `${id}@senders.test`, from_name: `Sender ${id}`, smtp_url: smtp.url(), daily_limit: 5 });
      expect(r.status).toBe(201);
    }
    expect((await api('POST', '/api/v1/pools', { id: 'main', strategy: 'round_robin', senders: ['s1', 's2', 's3'] })).status).toBe(201);
    const messages = Array.from({ length: 20 }, (_, i) => ({ to: `r${i}@example.com`, subject: 'Hi {{ n }}', text: 'n={{ n }}', variables: { n: i }, sender_pool: 'main' }));
    const batch = await api('POST', '/api/v1/emails/send-batch', { messages });
    expect(batch.body.queued).toHaveLength(20);

    await drain();
    expect(smtp.received).toHaveLength(15);
    expect(perSender()).toEqual({ 's1@senders.test': 5, 's2@senders.test': 5, 's3@senders.test': 5 });
    // Sent as the sender: its address in the From header too.
    expect(smtp.received[0]!.raw.toString()).toMatch(/^From: "?Sender s\d"? <s\d@senders\.test>/m);

    const pool = await api('GET', '/api/v1/pools/main');
    expect(pool.body).toMatchObject({ state: 'exhausted', waiting: 5, remaining_today: 0, daily_capacity: 15 });
    const free = Date.parse(pool.body.next_free_at);
    expect(free).toBeGreaterThan(clock.now() + DAY - 60_000);
    expect(free).toBeLessThanOrEqual(clock.now() + DAY + 60_000);
    const senders = await api('GET', '/api/v1/senders');
    for (const s of senders.body.data) expect(s).toMatchObject({ state: 'exhausted', usage: { used_24h: 5, sent_24h: 5, remaining: 0 } });

    const ids: string[] = batch.body.queued.map((q: { id: string }) => q.id);
    const waiting = [];
    for (const id of ids) {
      const m = (await api('GET', `/api/v1/emails/${id}`)).body;
      if (m.status !== 'sent') waiting.push(m);
      else expect(m.sender).toMatch(/^s[123]$/);
    }
    expect(waiting).toHaveLength(5);
    for (const m of waiting) {
      expect(m).toMatchObject({ status: 'deferred', attempts: 0, sender_pool: 'main' });
      expect(Date.parse(m.send_at)).toBe(free);
      expect(m.events.at(-1)).toMatchObject({ type: 'deferred', detail: { reason: 'every sender of the pool is exhausted or cooling down', pool: 'main' } });
    }

    // A minute before the window frees, nothing more goes.
    clock.t = free - 60_000;
    await drain();
    expect(smtp.received).toHaveLength(15);

    clock.t = free;
    await drain();
    expect(smtp.received).toHaveLength(20);
    for (const id of ids) expect((await api('GET', `/api/v1/emails/${id}`)).body.status).toBe('sent');
    expect((await api('GET', '/api/v1/pools/main')).body).toMatchObject({ state: 'ready', waiting: 0 });
  });

  it('round-robins a pool, and a paused sender takes nothing', async () => {
    for (const id of ['a', 'b', 'c']) await api('POST', '/api/v1/senders', { id, kind: 'smtp', email: `${id}@senders.test`, smtp_url: smtp.url() });
    await api('POST', '/api/v1/pools', { id: 'rr', senders: ['a', 'b', 'c'] });
    expect((await api('POST', '/api/v1/senders/b/pause', { reason: 'maintenance' })).body).toMatchObject({ state: 'paused', state_reason: 'maintenance' });
    await api('POST', '/api/v1/emails/send-batch', { messages: Array.from({ length: 6 }, (_, i) => ({ to: `r${i}@example.com`, subject: 's', text: 't', sender_pool: 'rr' })) });
    await drain();
    expect(perSender()).toEqual({ 'a@senders.test': 3, 'c@senders.test': 3 });
    expect((await api('POST', '/api/v1/senders/b/resume')).body.state).toBe('active');
  });

  it('sends UTF-8 bodies as 8bit through an SMTP sender whose relay takes them (ADR 0027), as the default relay does', async () => {
    await api('POST', '/api/v1/senders', { id: 'u', kind: 'smtp', email: 'u@senders.test', smtp_url: smtp.url() });
    await api('POST', '/api/v1/pools', { id: 'utf', senders: ['u'] });
    await api('POST', '/api/v1/emails/send-batch', { messages: [{ to: 'zoe@example.com', subject: 's', text: 'Grüße, Zoë — €42', sender_pool: 'utf' }] });
    await drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw.toString('utf8')).toContain('Content-Transfer-Encoding: 8bit\r\n\r\nGrüße, Zoë — €42');
    expect(smtp.received[0]!.mailParams.BODY).toBe('8BITMIME');
  });

  it('moves a message off a sender whose relay refuses its login, and puts that sender in error', async () => {
    const authed = await startSmtpServer({ auth: { user: 'u', pass: 'right' } });
    try {
      await api('POST', '/api/v1/senders', { id: 'bad', kind: 'smtp', email: 'bad@senders.test', smtp_url: authed.url({}, { user: 'u', pass: 'wrong' }) });
      await api('POST', '/api/v1/senders', { id: 'good', kind: 'smtp', email: 'good@senders.test', smtp_url: authed.url({}, { user: 'u', pass: 'right' }) });
      await api('POST', '/api/v1/pools', { id: 'p', senders: ['bad', 'good'] });
      const { body } = await api('POST', '/api/v1/emails/send-batch', { messages: Array.from({ length: 4 }, (_, i) => ({ to: `r${i}@example.com`, subject: 's', text: 't', sender_pool: 'p' })) });
      await drain();
      expect(authed.received.map((m) => m.from).sort()).toEqual(Array(4).fill('good@senders.test'));
      const bad = (await api('GET', '/api/v1/senders/bad')).body;
      expect(bad).toMatchObject({ state: 'error' });
      expect(bad.last_error).toMatch(/535/);
      expect(bad.last_error).not.toContain('wrong');
      for (const q of body.queued) expect((await api('GET', `/api/v1/emails/${q.id}`)).body).toMatchObject({ status: 'sent', sender: 'good', attempts: 1 });
    } finally {
      await authed.stop();
    }
  });

  it('raising a daily limit lifts an exhaustion that came from our own count at once', async () => {
    await api('POST', '/api/v1/senders', { id: 'one', kind: 'smtp', email: 'one@senders.test', smtp_url: smtp.url(), daily_limit: 1 });
    await api('POST', '/api/v1/pools', { id: 'p1', senders: ['one'] });
    await api('POST', '/api/v1/emails/send-batch', { messages: [0, 1].map((i) => ({ to: `r${i}@example.com`, subject: 's', text: 't', sender_pool: 'p1' })) });
    await drain();
    expect(smtp.received).toHaveLength(1);
    expect((await api('GET', '/api/v1/senders/one')).body).toMatchObject({ state: 'exhausted', usage: { used_24h: 1, remaining: 0 } });
    expect((await api('PATCH', '/api/v1/senders/one', { daily_limit: 2 })).body).toMatchObject({ state: 'active', usage: { limit_now: 2, remaining: 1 } });
    // The waiting message was deferred to the old window's end; it is due again at once, under the new limit.
    await drain();
    expect(smtp.received).toHaveLength(2);
  });
});
