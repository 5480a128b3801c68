// Crash recovery without a second send: a worker whose receiver accepted messages stops before recording them;
// when its leases expire, the next worker finds them in the sent journal and records them as sent, and sends only
// the ones the receiver had not accepted.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutgoingMessage, SendOutcome, Transport } from '../../src/ports/transport.js';
import { FileSentJournal } from '../../src/adapters/journal/file-sent-journal.js';
import { ScriptedTransport } from '../support/fakes.js';
import { usePipeline } from '../support/pipeline.js';

const pipeline = usePipeline();

/** A receiver that accepts the first `accept` messages of a batch and then the process "dies": the batch never ends. */
class DyingTransport implements Transport {
  readonly name = 'smtp';
  release: () => void = () => undefined;
  constructor(private readonly accept: number) {}
  sendBatch(messages: OutgoingMessage[], onOutcome?: (i: number, o: SendOutcome) => void): Promise<SendOutcome[]> {
    messages.slice(0, this.accept).forEach((m, i) => onOutcome?.(i, { ok: true, providerMessageId: `q-${m.id}`, response: `250 2.0.0 Ok: queued as q-${m.id}` }));
    return new Promise((resolve) => {
      this.release = () => resolve(messages.map(() => ({ ok: false, permanent: false, response: 'process gone' })));
    });
  }
  async close(): Promise<void> {}
}

describe('sent journal', () => {
  it('records as sent what the receiver accepted before the worker stopped, and sends the rest once', async () => {
    const { accept, store, clock, worker } = pipeline.current;
    const dir = mkdtempSync(join(tmpdir(), 'pf-journal-'));
    try {
      const r = await accept.sendBatch(Array.from({ length: 5 }, (_, i) => ({ to: `u${i}@example.com`, subject: 'S', text: 'T' })), null);
      const ids = r.queued.map((q) => q.id);
      const dying = new DyingTransport(3);
      const a = worker(dying, 10, { journal: new FileSentJournal(dir, 'a', 600_000) });
      void a.runOnce(); // never records: its process "died" after the receiver's answers
      await new Promise((res) => setTimeout(res, 50));
      expect((await store.getMessage(ids[0]!))!.status).toBe('sending');

      clock.advance(31_000); // past the 30 s lease
      const resend = new ScriptedTransport();
      const b = worker(resend, 10, { journal: new FileSentJournal(dir, 'b', 600_000) });
      b.start();
      const deadline = Date.now() + 5000;
      while ((await store.listMessages({ limit: 10, status: 'sent' })).length < 5 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      await b.stop();

      expect(resend.delivered.map((m) => m.id).sort()).toEqual(ids.slice(3).sort());
      for (const id of ids.slice(0, 3)) {
        const m = (await store.getMessage(id))!;
        expect(m).toMatchObject({ status: 'sent', providerMessageId: `q-${id}`, transport: 'smtp' });
        const events = await store.getEvents(id);
        expect(events.map((e) => e.type)).toEqual(['sent']);
        expect(events[0]!.detail).toMatchObject({ recovered: expect.stringContaining('sent journal'), response: `250 2.0.0 Ok: queued as q-${id}` });
      }
      for (const id of ids.slice(3)) expect((await store.getEvents(id)).map((e) => e.type)).toEqual(['lease_expired', 'sent']);
      dying.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
