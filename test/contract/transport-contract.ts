// The transport contract: one suite every Transport adapter must pass (capture, smtp; gmail and ses when they
// come), each against the real thing or a faithful fake on this machine.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { monotonicFactory } from 'ulid';
import type { Envelope, OutgoingMessage, SendOutcome, Transport } from '../../src/ports/transport.js';

const nextId = monotonicFactory();

/** What the receiving side holds after a send: the bytes of each message and, when it can tell, the envelope. */
export interface Delivered {
  raw: Buffer;
  envelope?: Envelope;
}

/** One adapter under test: the transport, a way to read what arrived, and its cleanup. */
export interface TransportFixture {
  transport: Transport;
  delivered: () => Promise<Delivered[]>;
  /** Recipients whose local part starts with this are refused permanently by the receiving side, if it can. */
  refusedPrefix?: string;
  /** Connections the receiving side has open now, if it has any (all must be gone after close()). */
  openConnections?: () => number;
  cleanup: () => Promise<void>;
}

/** A composed-looking message (CRLF line ends) with a unique Message-ID and the given body lines. */
export function testMessage(n: number, body: string[] = [`Hello number ${n}.`], to = `user${n}@example.com`): OutgoingMessage {
  const id = nextId();
  const messageId = `${id.toLowerCase()}@postflow.test`;
  const head = [`From: App <app@postflow.test>`, `To: ${to}`, `Subject: Test ${n}`, `Message-ID: <${messageId}>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', ''];
  return { id, messageId, envelope: { from: 'app@postflow.test', to: [to] }, raw: Buffer.from([...head, ...body, ''].join('\r\n')) };
}

const sorted = (bufs: Buffer[]): string[] => bufs.map((b) => b.toString('latin1')).sort();

/** Run the contract against transports made by `make` (a fresh transport and receiving side each test). */
export function describeTransportContract(name: string, make: () => Promise<TransportFixture>, skip = false): void {
  describe.skipIf(skip)(`Transport contract: ${name}`, () => {
    let f: TransportFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.transport.close();
      await f.cleanup();
    });

    it('delivers a batch and returns one ok outcome per message, in order', async () => {
      const batch = Array.from({ length: 25 }, (_, i) => testMessage(i));
      const outcomes = await f.transport.sendBatch(batch);
      expect(outcomes).toHaveLength(batch.length);
      for (const o of outcomes) {
        expect(o.ok, JSON.stringify(o)).toBe(true);
        if (o.ok) {
          expect(o.providerMessageId).toMatch(/\S/);
          expect(typeof o.response).toBe('string');
        }
      }
      const got = await f.delivered();
      expect(got).toHaveLength(batch.length);
      expect(sorted(got.map((d) => d.raw))).toEqual(sorted(batch.map((m) => m.raw)));
      for (const d of got) {
        if (!d.envelope) continue;
        const sent = batch.find((m) => m.raw.equals(d.raw))!;
        expect(d.envelope).toEqual(sent.envelope);
      }
    });

    it('delivers the exact bytes, including lines that start with a dot', async () => {
      const body = ['.', '..', '.leading dot', 'middle . dot', '...three', '', '.', 'end.'];
      const m = testMessage(1, body);
      const first = testMessage(2, []);
      first.raw = Buffer.concat([Buffer.from('.'), first.raw]); // even the very first byte
      const eight = testMessage(3, ['Grüße — 日本語', '.Ünïcödé']);
      const [a, b, c] = await f.transport.sendBatch([m, first, eight]);
      expect([a!.ok, b!.ok, c!.ok]).toEqual([true, true, true]);
      const got = await f.delivered();
      expect(sorted(got.map((d) => d.raw))).toEqual(sorted([m.raw, first.raw, eight.raw]));
    });

    it('handles an empty batch', async () => {
      expect(await f.transport.sendBatch([])).toEqual([]);
      expect(await f.delivered()).toEqual([]);
    });

    it('keeps outcomes in input order when some messages are refused', async (ctx) => {
      if (!f.refusedPrefix) return ctx.skip();
      const batch = Array.from({ length: 12 }, (_, i) => testMessage(i, undefined, i % 3 === 1 ? `${f.refusedPrefix}${i}@example.com` : `ok${i}@example.com`));
      const outcomes = await f.transport.sendBatch(batch);
      outcomes.forEach((o: SendOutcome, i) => {
        if (i % 3 === 1) expect(o).toMatchObject({ ok: false, permanent: true });
        else expect(o.ok).toBe(true);
      });
      expect((await f.delivered()).length).toBe(8);
    });

    it('serves several batches at once and closes cleanly', async () => {
      const batches = [0, 1, 2].map((b) => Array.from({ length: 10 }, (_, i) => testMessage(b * 100 + i)));
      const results = await Promise.all(batches.map((b) => f.transport.sendBatch(b)));
      expect(results.flat().every((o) => o.ok)).toBe(true);
      await f.transport.close();
      await f.transport.close(); // twice is fine
      expect((await f.delivered()).length).toBe(30);
      if (f.openConnections) {
        const until = Date.now() + 2000;
        while (f.openConnections() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        expect(f.openConnections()).toBe(0);
      }
      // A send after close() must not throw: one outcome per message whatever the adapter does with it.
      const late = await f.transport.sendBatch([testMessage(999)]);
      expect(late).toHaveLength(1);
    });
  });
}
