// Crash recovery without a second send: a worker whose receiver accepted messages stops before recording them;
// when its leases expire, the next worker finds them in the sent journal and records them as sent, and sends only
// the ones the receiver had not accepted.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../../src/ports/transport.js';
import type { DeliveryDeps } from '../../src/engine/delivery-worker.js';
import { FileSentJournal } from '../../src/adapters/journal/file-sent-journal.js';
import { ScriptedTransport } from '../support/fakes.js';
import { usePipeline } from '../support/pipeline.js';

const pipeline = usePipeline();

/**
 * A receiver that is handed the first `commit` messages' end of data, accepts the first `accept` of them, and then
 * the process "dies": the batch never ends.
 */
class DyingTransport implements Transport {
  readonly name = 'smtp';
  release: () => void = () => undefined;
  constructor(private readonly accept: number, private readonly commit = accept) {}
  sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    messages.slice(0, this.commit).forEach((_, i) => hooks?.onCommitting?.(i));
    messages.slice(0, this.accept).forEach((m, i) => hooks?.onOutcome?.(i, { ok: true, providerMessageId: `q-${m.id}`, response: `250 2.0.0 Ok: queued as q-${m.id}` }));
    return new Promise((resolve) => {
      this.release = () => resolve(messages.map(() => ({ ok: false, permanent: false, response: 'process gone' })));
    });
  }
  async close(): Promise<void> {}
}

/** Accept 5 messages, let a worker over `dying` "die" with them, expire its lease and run a second worker; returns the ids and what the second one sent. */
async function dieAndRecover(dying: DyingTransport, dir: string, extra: Partial<DeliveryDeps> = {}): Promise<{ ids: string[]; resent: string[] }> {
  const { accept, store, clock, worker } = pipeline.current;
  const r = await accept.sendBatch(Array.from({ length: 5 }, (_, i) => ({ to: `u${i}@example.com`, subject: 'S', text: 'T' })), null);
  const ids = r.queued.map((q) => q.id);
  const a = worker(dying, 10, { journal: new FileSentJournal(dir, 'a', 600_000), ...extra });
  void a.runOnce(); // never records: its process "died" after the receiver's answers
  await new Promise((res) => setTimeout(res, 50));
  expect((await store.getMessage(ids[0]!))!.status).toBe('sending');

  clock.advance(31_000); // past the 30 s lease
  const resend = new ScriptedTransport();
  const b = worker(resend, 10, { journal: new FileSentJournal(dir, 'b', 600_000), ...extra });
  b.start();
  const deadline = Date.now() + 5000;
  while ((await store.listMessages({ limit: 10, status: 'sent' })).length < 5 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  await b.stop();
  dying.release();
  return { ids, resent: resend.delivered.map((m) => m.id).sort() };
}

describe('sent journal', () => {
  it('records as sent what the receiver accepted before the worker stopped, and sends the rest once', async () => {
    const { store } = pipeline.current;
    const dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    try {
      const { ids, resent } = await dieAndRecover(new DyingTransport(3), dir);
      expect(resent).toEqual(ids.slice(3).sort());
      for (const id of ids.slice(0, 3)) {
        const m = (await store.getMessage(id))!;
        expect(m).toMatchObject({ status: 'sent', providerMessageId: `q-${id}`, transport: 'smtp' });
        const events = await store.getEvents(id);
        expect(events.map((e) => e.type)).toEqual(['sent']);
        expect(events[0]!.detail).toMatchObject({ recovered: expect.stringContaining('sent journal'), response: `250 2.0.0 Ok: queued as q-${id}` });
      }
      for (const id of ids.slice(3)) expect((await store.getEvents(id)).map((e) => e.type)).toEqual(['lease_expired', 'sent']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in doubt under assume-sent: a message whose end of data went out is recorded as sent, flagged, and not sent again', async () => {
    const { store } = pipeline.current;
    const dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    try {
      // Messages 0–1 accepted, 2–3 in doubt (end of data written, no answer read), 4 never reached the wire.
      const { ids, resent } = await dieAndRecover(new DyingTransport(2, 4), dir, { inDoubt: { marketing: 'assume-sent', transactional: 'assume-sent' } });
      expect(resent).toEqual([ids[4]]);
      for (const id of ids.slice(2, 4)) {
        const events = await store.getEvents(id);
        expect(events.map((e) => e.type)).toEqual(['sent']);
        expect(events[0]!.detail).toMatchObject({ in_doubt: true, attempt: 1, recovered: expect.stringContaining('assume-sent') });
        expect((await store.getMessage(id))!.providerMessageId).toBeNull();
      }
      expect((await store.getEvents(ids[0]!))[0]!.detail).not.toHaveProperty('in_doubt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in doubt under resend (the default for transactional mail): nothing is noted and the message is sent again', async () => {
    const { store } = pipeline.current;
    const dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    try {
      const { ids, resent } = await dieAndRecover(new DyingTransport(2, 4), dir);
      expect(resent).toEqual(ids.slice(2).sort());
      expect(readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith('a-'))!), 'utf8')).not.toMatch(/^D\t/m);
      for (const id of ids.slice(2)) expect((await store.getEvents(id)).map((e) => e.type)).toEqual(['lease_expired', 'sent']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an in-doubt note of an earlier attempt does not count: that attempt\'s answer was read and recorded', async () => {
    const { accept, store, clock, worker } = pipeline.current;
    const dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    const policies = { inDoubt: { marketing: 'assume-sent', transactional: 'assume-sent' } as const };
    try {
      const r = await accept.sendBatch([{ to: 'u@example.com', subject: 'S', text: 'T' }], null);
      const id = r.queued[0]!.id;
      // Attempt 1: end of data written, then the relay answers 451: deferred and recorded.
      const refusing = new ScriptedTransport(() => ({ ok: false, permanent: false, code: 451, response: '451 4.3.0 try later' }));
      const noting: Transport = { name: 'smtp', close: async () => undefined, sendBatch: (ms, hooks) => {
        ms.forEach((_, i) => hooks?.onCommitting?.(i));
        return refusing.sendBatch(ms);
      } };
      await worker(noting, 10, { journal: new FileSentJournal(dir, 'a', 600_000), ...policies }).runOnce();
      expect((await store.getMessage(id))!.status).toBe('deferred');
      // Attempt 2 is claimed and its worker dies before anything reaches the wire.
      clock.advance(10 * 60_000);
      const dying = new DyingTransport(0, 0);
      void worker(dying, 10, { journal: new FileSentJournal(dir, 'b', 600_000), ...policies }).runOnce();
      await new Promise((res) => setTimeout(res, 50));
      expect((await store.getMessage(id))!).toMatchObject({ status: 'sending', attempts: 2 });
      clock.advance(31_000);
      const resend = new ScriptedTransport();
      const c = worker(resend, 10, { journal: new FileSentJournal(dir, 'c', 600_000), ...policies });
      c.start();
      const deadline = Date.now() + 5000;
      while ((await store.getMessage(id))!.status !== 'sent' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      await c.stop();
      dying.release();
      expect(resend.delivered.map((m) => m.id)).toEqual([id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
