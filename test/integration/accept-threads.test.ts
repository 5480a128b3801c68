import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '../support/runtime.js';
import { AcceptThreads } from '../../src/services/accept-threads.js';
import { parseSendBatch } from '../../src/services/send-batch-parse.js';

// Two servers, one parsing large send-batch bodies on an accept thread (the default) and one on its main thread
// (POSTFLOW_ACCEPT_THREADS=0): every answer and every stored row must be the same.
let threaded: TestServer;
let inline: TestServer;
beforeAll(async () => {
  threaded = await startTestServer();
  inline = await startTestServer({ POSTFLOW_ACCEPT_THREADS: '0' });
  for (const s of [threaded, inline]) {
    await s.rt.templates.create({ id: 'welcome', name: 'Welcome', subject: 'Hi {{ name }}', html: '<p>Hi {{ name }}</p>' });
    await s.rt.templates.create({ id: 'retired', name: 'Retired', subject: 'Old', html: '<p>old</p>', active: false });
    await s.rt.suppressions.add({ addresses: ['blocked@example.com'], reason: 'complaint' });
  }
});
afterAll(async () => {
  await threaded?.close();
  await inline?.close();
});

const pad = 'x'.repeat(300);
/** A batch of 400 items (~100 KiB, above the 64 KiB threshold) with every kind of item the accept path tells apart. */
function mixedBatch(): unknown[] {
  return Array.from({ length: 400 }, (_, i) => {
    const to = `user${i}@example.com`;
    switch (i % 13) {
      case 1: return { to: 'not-an-address', template_id: 'welcome' };
      case 2: return { to, template_id: 'missing' };
      case 3: return { to, template_id: 'retired' };
      case 4: return { to, subject: 'Hi\r\nBcc: x@y.com', html: '<p>x</p>' };
      case 5: return { to, subject: 's', html: '<p>{{ name </p>' };
      case 6: return { to, subject: 's', html: 'h', cc: 'x@y.com' };
      case 7: return { to: 'Blocked@Example.com', subject: 's', text: 't' };
      case 8: return { to, subject: 's', text: 't', sender_pool: 'nowhere' };
      case 9: return { to, template_id: 'welcome', idempotency_key: `same-${i % 2}`, variables: { name: pad } };
      case 10: return { to: `Zoë Ünal <${to}>`, subject: 'Grüße {{ name }}', html: '<p>✓</p>', variables: { name: 'Zoë' }, headers: { 'X-Order': `${i}` }, tags: ['a', 'b'], priority: 'critical', send_at: new Date(Date.now() + 30 * 86_400_000).toISOString() };
      default: return { to, template_id: 'welcome', variables: { name: `n${i}`, pad } };
    }
  });
}

const post = (s: TestServer, payload: string) =>
  s.app.inject({ method: 'POST', url: '/api/v1/emails/send-batch', headers: { ...s.auth, 'content-type': 'application/json' }, payload });

describe('accept threads', () => {
  it('answer a large batch as the main thread does, and store the same rows', async () => {
    const body = JSON.stringify({ messages: mixedBatch() });
    expect(body.length).toBeGreaterThan(64 * 1024);
    const a = await post(threaded, body);
    const b = await post(inline, body);
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(threaded.rt.acceptThreads!.counts).toEqual({ threaded: 1, handedBack: 0 });
    expect(inline.rt.acceptThreads).toBeNull();
    const ra = a.json();
    const rb = b.json();
    expect(ra.rejected).toEqual(rb.rejected);
    expect(ra.queued.map((q: { index: number; duplicate: boolean }) => [q.index, q.duplicate])).toEqual(rb.queued.map((q: { index: number; duplicate: boolean }) => [q.index, q.duplicate]));
    // Every kind of refusal is there, by index and field.
    const codes = new Set(ra.rejected.map((r: { code: string }) => r.code));
    expect([...codes].sort()).toEqual(['HEADER_INJECTION', 'POOL_NOT_FOUND', 'RECIPIENT_SUPPRESSED', 'TEMPLATE_INACTIVE', 'TEMPLATE_NOT_FOUND', 'TEMPLATE_SYNTAX', 'VALIDATION_FAILED']);
    expect(ra.rejected.find((r: { index: number }) => r.index === 2)).toMatchObject({ code: 'TEMPLATE_NOT_FOUND', field: 'messages[2].template_id' });
    expect(ra.rejected.find((r: { index: number }) => r.index === 7)).toMatchObject({ code: 'RECIPIENT_SUPPRESSED', field: 'messages[7].to' });
    expect(ra.queued.filter((q: { duplicate: boolean }) => q.duplicate).length).toBeGreaterThan(0);

    // Ids, times and the (per-server) admin key id differ; everything else is the same.
    const strip = ({ id, createdAt, updatedAt, dueAt, apiKeyId, ...rest }: Record<string, unknown>) => ({ ...rest, scheduled: (dueAt as number) > Date.now() + 86_400_000, keyed: apiKeyId !== null });
    for (let k = 0; k < ra.queued.length; k++) {
      const ma = await threaded.rt.store.getMessage(ra.queued[k].id);
      const mb = await inline.rt.store.getMessage(rb.queued[k].id);
      expect(strip(ma as unknown as Record<string, unknown>)).toEqual(strip(mb as unknown as Record<string, unknown>));
    }
    const zoe = await threaded.rt.store.getMessage(ra.queued.find((q: { index: number }) => q.index === 10).id);
    expect(zoe).toMatchObject({ toName: 'Zoë Ünal', subject: 'Grüße {{ name }}', variables: { name: 'Zoë' }, headers: { 'X-Order': '10' }, tags: ['a', 'b'], priority: 0, templateId: null });
    const welcome = await threaded.rt.store.getMessage(ra.queued.find((q: { index: number }) => q.index === 0).id);
    expect(welcome).toMatchObject({ templateId: 'welcome', templateVersion: 1, fromAddress: 'postflow@postflow.local', status: 'queued' });
  });

  const refused: Array<[string, string, string]> = [
    ['an unknown top-level field', `{"messages":[${Array(300).fill(`{"to":"a@b.com","subject":"s","text":"${pad}"}`).join(',')}],"dry_run":true}`, 'dry_run'],
    ['invalid JSON', `{"messages":[${Array(300).fill(`{"to":"a@b.com","subject":"s","text":"${pad}"}`).join(',')}`, '(body)'],
    ['more than 10,000 items', JSON.stringify({ messages: Array.from({ length: 10_001 }, (_, i) => ({ to: `u${i}@example.com`, subject: 's', text: 't' })) }), 'messages'],
  ];
  for (const [what, body, field] of refused) {
    it(`refuse ${what} in a large body as the main thread does, storing nothing`, async () => {
      expect(body.length).toBeGreaterThan(64 * 1024);
      const before = threaded.rt.acceptThreads!.counts.threaded;
      const a = await post(threaded, body);
      const b = await post(inline, body);
      expect(threaded.rt.acceptThreads!.counts.threaded).toBe(before + 1);
      expect(a.statusCode).toBe(400);
      expect(a.json()).toEqual(b.json());
      expect(a.json().error.field).toBe(field);
    });
  }

  it('refuse small bodies with the same errors, on the main thread', async () => {
    const before = { ...threaded.rt.acceptThreads!.counts };
    for (const [body, field] of [['{}', 'messages'], ['{"messages":[]}', 'messages'], ['[1]', '(body)'], ['{"messages":"x"}', 'messages']]) {
      const a = await post(threaded, body!);
      expect(a.statusCode).toBe(400);
      expect(a.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
    const empty = await threaded.app.inject({ method: 'POST', url: '/api/v1/emails/send-batch', headers: { ...threaded.auth, 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: '(body)' });
    expect(threaded.rt.acceptThreads!.counts).toEqual(before);
  });
});

describe('AcceptThreads', () => {
  const ctx = { now: Date.now(), defaultFrom: { address: 'a@example.com', domain: 'example.com' }, checkInline: () => undefined };
  const body = Buffer.from(JSON.stringify({ messages: [{ to: 'x@example.com', subject: 's', text: 't' }, { to: 'bad' }] }));

  it('answer what parseSendBatch answers', async () => {
    const threads = new AcceptThreads(new URL('../../dist/main/accept-thread.js', import.meta.url), { defaultFrom: ctx.defaultFrom }, 1);
    try {
      expect(await threads.parse(body, ctx.now)).toEqual(parseSendBatch(body, ctx));
    } finally {
      await threads.close();
    }
  });

  it('hand a body back (null) when their thread dies, report it, and start a new thread for the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-accept-thread-'));
    const script = join(dir, 'dies.mjs');
    writeFileSync(script, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const errors: string[] = [];
    const threads = new AcceptThreads(pathToFileURL(script), { defaultFrom: ctx.defaultFrom }, 1, (why) => errors.push(why));
    try {
      expect(await threads.parse(body, ctx.now)).toBeNull();
      expect(await threads.parse(body, ctx.now)).toBeNull();
      expect(threads.counts).toEqual({ threaded: 0, handedBack: 2 });
      expect(errors).toEqual([expect.stringMatching(/exited with code 3; its 1 bodies are parsed on the main thread/), expect.stringMatching(/exited with code 3/)]);
    } finally {
      await threads.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('start every thread at once, resolving once each takes work', async () => {
    const threads = new AcceptThreads(new URL('../../dist/main/accept-thread.js', import.meta.url), { defaultFrom: ctx.defaultFrom }, 2);
    try {
      expect(threads.running).toBe(0);
      await threads.start();
      expect(threads.running).toBe(2);
      // The started threads take the bodies: none is created on the way, none is handed back.
      const answers = await Promise.all([threads.parse(body, ctx.now), threads.parse(body, ctx.now), threads.parse(body, ctx.now)]);
      expect(answers).toEqual(Array(3).fill(parseSendBatch(body, ctx)));
      expect(threads.running).toBe(2);
      expect(threads.counts).toEqual({ threaded: 3, handedBack: 0 });
    } finally {
      await threads.close();
    }
  });

  it('refuse to start, naming the thread and why, when a thread fails to load or exits before it is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-accept-thread-'));
    const throws = join(dir, 'throws.mjs');
    const exits = join(dir, 'exits.mjs');
    writeFileSync(throws, "throw new Error('no such setting');\n");
    writeFileSync(exits, 'process.exit(4);\n');
    try {
      for (const [script, why] of [[throws, /^accept thread failed to start: no such setting$/], [exits, /^accept thread exited with code 4 before it started$/]] as const) {
        const threads = new AcceptThreads(pathToFileURL(script), { defaultFrom: ctx.defaultFrom }, 1);
        await expect(threads.start()).rejects.toThrow(why);
        expect(threads.running).toBe(0);
        await threads.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hand back the bodies in hand when closed', async () => {
    const threads = new AcceptThreads(new URL('../../dist/main/accept-thread.js', import.meta.url), { defaultFrom: ctx.defaultFrom }, 1);
    const pending = threads.parse(body, ctx.now);
    await threads.close();
    expect(await pending).toBeNull();
    expect(await threads.parse(body, ctx.now)).toBeNull();
  });
});
