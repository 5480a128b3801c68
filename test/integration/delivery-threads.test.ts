// Delivery threads (ThreadedComposeSend): messages composed and sent in worker threads end to end, and a thread
// that dies mid-batch answers its messages with a transient failure and is replaced.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ThreadedComposeSend } from '../../src/engine/threaded-compose-send.js';
import { TemplateCatalog } from '../../src/services/template-catalog.js';
import { TemplateEngine } from '../../src/compose/template-engine.js';
import { systemClock } from '../../src/ports/clock.js';
import type { MessageRecord } from '../../src/ports/store.js';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { startSmtpServer } from '../support/smtp-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('delivery threads', () => {
  it('composes and sends in two threads: every message captured once, with its template version', async () => {
    server = await startTestServer({ POSTFLOW_DELIVERY_THREADS: '2', POSTFLOW_BATCH_SIZE: '10' }, { startWorkers: true });
    const { app, auth, rt, dataDir } = server;
    expect(rt.threads).not.toBeNull();
    const t = await app.inject({ method: 'POST', url: '/api/v1/templates', headers: auth, payload: { id: 'hello', name: 'Hello', subject: 'Hi {{ name }}', html: '<p>Hello {{ name }} — {{ n }}</p>' } });
    expect(t.statusCode).toBe(201);
    const messages = Array.from({ length: 60 }, (_, i) => (i % 2
      ? { to: `t${i}@example.com`, template_id: 'hello', variables: { name: `T${i}`, n: i } }
      : { to: `i${i}@example.com`, subject: 'Inline {{ n }}', html: '<b>{{ n }}</b>', variables: { n: i } }));
    const r = await app.inject({ method: 'POST', url: '/api/v1/emails/send-batch', headers: auth, payload: { messages } });
    expect(r.json().queued).toHaveLength(60);
    await waitFor(async () => (await rt.store.listMessages({ limit: 100, status: 'sent' })).length === 60);
    const files = readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(60);
    const sent = await rt.store.listMessages({ limit: 100 });
    expect(new Set(sent.map((m) => m.messageIdHeader)).size).toBe(60);
    expect(sent.every((m) => m.transport === 'capture' && m.messageIdHeader === `${m.id.toLowerCase()}@postflow.local`)).toBe(true);
    const t7 = sent.find((m) => m.toAddress === 't7@example.com')!;
    const raw = await app.inject({ method: 'GET', url: `/api/v1/outbox/${t7.id}`, headers: auth });
    expect(raw.json()).toMatchObject({ subject: 'Hi T7' });
    expect(raw.json().html).toContain('Hello T7 — 7');
    // The threads' template caches show in /metrics: one compile per template version and distinct inline body,
    // per thread; hits for the rest.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const value = (name: string) => Number(new RegExp(`^${name}\\{cache="template_delivery_threads"\\} (\\d+)`, 'm').exec(metrics)?.[1]);
    expect(value('cache_misses_total')).toBeGreaterThanOrEqual(2);
    expect(value('cache_misses_total') + value('cache_hits_total')).toBe(60);
    // Attempts are counted per batch and result (batches of 10 here), and add up to one per message.
    expect(Number(/^email_sends_total\{transport="capture",result="sent"\} (\d+)$/m.exec(metrics)?.[1])).toBe(60);
  });

  it('a thread that dies answers its batch with a transient failure and is replaced by a new one', async () => {
    const errors: string[] = [];
    const catalog = new TemplateCatalog({ getTemplate: async () => null, getTemplateVersion: async () => null }, new TemplateEngine(), systemClock);
    const cs = new ThreadedComposeSend('capture', catalog, new URL('../support/threads/dying-thread.mjs', import.meta.url), {}, 1, (why) => errors.push(why));
    const m = { id: '01JABCDEFGHJKMNPQRSTVWXYZ0', fromAddress: 'app@postflow.test', templateId: null, templateVersion: null } as unknown as MessageRecord;
    for (let round = 1; round <= 2; round++) {
      const out = await cs.run([m, { ...m, id: '01JABCDEFGHJKMNPQRSTVWXYZ1' }], 1);
      expect(out).toHaveLength(2);
      for (const o of out) {
        expect(o.composed).toBe(true);
        if (o.composed) {
          expect(o.outcome).toMatchObject({ ok: false, permanent: false });
          expect(o.messageId).toMatch(/@postflow\.test$/);
        }
      }
      expect(errors).toHaveLength(round);
      expect(errors[round - 1]).toMatch(/exited with code 3/);
    }
    await cs.close();
  });

  it('a batch posted while another is still gathering template sources finds its template in the thread', async () => {
    // Two runs on one thread share template X. Run A sees X first but is held (a slow store read) before it posts;
    // run B, started later, posts first. B must carry X's source: the thread has not been sent it yet.
    const dataDir = mkdtempSync(join(tmpdir(), 'pf-threads-'));
    const version = { templateId: 'x', version: 1, subject: 'Hi {{ n }}', html: '<p>{{ n }}</p>', text: null, variables: [], createdAt: 0 };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class SlowCatalog extends TemplateCatalog {
      override async sourceFor(m: Parameters<TemplateCatalog['sourceFor']>[0] & { id?: string }) {
        if (m.id?.endsWith('SLOW')) await gate;
        return super.sourceFor(m);
      }
    }
    const catalog = new SlowCatalog({ getTemplate: async () => null, getTemplateVersion: async () => version }, new TemplateEngine(), systemClock);
    const script = new URL('../../dist/main/delivery-thread.js', import.meta.url);
    const cs = new ThreadedComposeSend('capture', catalog, script, { transport: { name: 'capture', ctx: { dataDir } } }, 1);
    const msg = (id: string) => ({ id, fromAddress: 'app@postflow.test', fromName: null, toAddress: `${id.toLowerCase()}@example.com`, toName: null, toDomain: 'example.com', replyTo: null, headers: {}, variables: { n: id }, templateId: 'x', templateVersion: 1, subject: null, html: null, text: null }) as unknown as MessageRecord;
    try {
      const a = cs.run([msg('01JAAAAAAAAAAAAAAAAAAAAAA1'), msg('01JAAAAAAAAAAAAAAAAAAASLOW')], 1);
      await new Promise((r) => setTimeout(r, 20));
      const b = await cs.run([msg('01JBBBBBBBBBBBBBBBBBBBBBB1')], 1);
      release();
      const all = [...(await a), ...b];
      for (const o of all) expect(o).toMatchObject({ composed: true, outcome: { ok: true } });
      expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    } finally {
      release();
      await cs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('start every thread at once, before the first batch, each with its transport built', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pf-threads-'));
    const catalog = new TemplateCatalog({ getTemplate: async () => null, getTemplateVersion: async () => null }, new TemplateEngine(), systemClock);
    const cs = new ThreadedComposeSend('capture', catalog, new URL('../../dist/main/delivery-thread.js', import.meta.url), { transport: { name: 'capture', ctx: { dataDir } } }, 2);
    const msg = (i: number) => ({ id: `01JCCCCCCCCCCCCCCCCCCCCCC${i}`, fromAddress: 'app@postflow.test', fromName: null, toAddress: `c${i}@example.com`, toName: null, toDomain: 'example.com', replyTo: null, headers: {}, variables: {}, templateId: null, templateVersion: null, subject: 'Hi', html: null, text: 'Hello' }) as unknown as MessageRecord;
    try {
      expect(cs.running).toBe(0);
      await cs.start();
      expect(cs.running).toBe(2);
      const out = await Promise.all([cs.run([msg(1), msg(2)], 1), cs.run([msg(3)], 1)]);
      for (const o of out.flat()) expect(o).toMatchObject({ composed: true, outcome: { ok: true } });
      expect(cs.running).toBe(2);
      expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    } finally {
      await cs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two threads share the relay\'s max_connections: the relay never sees more than the limit', async () => {
    const relay = await startSmtpServer({ rules: [{ match: /./, at: 'data', delayMs: 30 }] });
    const dataDir = mkdtempSync(join(tmpdir(), 'pf-threads-'));
    const catalog = new TemplateCatalog({ getTemplate: async () => null, getTemplateVersion: async () => null }, new TemplateEngine(), systemClock);
    const smtpUrl = relay.url({ max_connections: 3 });
    const cs = new ThreadedComposeSend('smtp', catalog, new URL('../../dist/main/delivery-thread.js', import.meta.url),
      (index: number) => ({ transport: { name: 'smtp', ctx: { dataDir, smtpUrl, share: { index, count: 2 } } } }), 2);
    const msg = (i: number) => ({ id: `01JDDDDDDDDDDDDDDDDDDDD${String(i).padStart(3, '0')}`, fromAddress: 'app@postflow.test', fromName: null, toAddress: `d${i}@example.com`, toName: null, toDomain: 'example.com', replyTo: null, headers: {}, variables: {}, templateId: null, templateVersion: null, subject: 'Hi', html: null, text: 'Hello' }) as unknown as MessageRecord;
    try {
      await cs.start();
      // Four batches of 10 at once: each thread has 20 messages waiting, more than any pool may open connections for.
      const batches = [0, 1, 2, 3].map((b) => cs.run(Array.from({ length: 10 }, (_, k) => msg(b * 10 + k)), 1));
      const out = (await Promise.all(batches)).flat();
      for (const o of out) expect(o).toMatchObject({ composed: true, outcome: { ok: true } });
      expect(relay.received).toHaveLength(40);
      // Two pools of 2 and 1 connections; without the split each would open 3.
      expect(relay.connections()).toBe(3);
    } finally {
      await cs.close();
      await relay.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a process starts no more delivery threads than the relay\'s max_connections', async () => {
    server = await startTestServer({ POSTFLOW_SMTP_URL: 'smtp://127.0.0.1:2?max_connections=2', POSTFLOW_DELIVERY_THREADS: '4' });
    await server.rt.threads!.start();
    expect(server.rt.threads!.running).toBe(2);
  });

  it('refuse to start, naming the thread and why, when a thread fails to load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-threads-'));
    const script = join(dir, 'throws.mjs');
    writeFileSync(script, "throw new Error('transport smtp: no such host');\n");
    const catalog = new TemplateCatalog({ getTemplate: async () => null, getTemplateVersion: async () => null }, new TemplateEngine(), systemClock);
    const cs = new ThreadedComposeSend('capture', catalog, pathToFileURL(script), {}, 1);
    try {
      await expect(cs.start()).rejects.toThrow(/^delivery thread failed to start: transport smtp: no such host$/);
    } finally {
      await cs.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
