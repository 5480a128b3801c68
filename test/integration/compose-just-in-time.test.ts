// InProcessComposeSend composes a batch a chunk at a time when its transport applies backpressure
// (Transport.readyForMore): the next chunk is composed only once the transport says it runs short. Results keep the
// batch's order; a transport without backpressure still gets the whole batch in one call.
import { describe, it, expect } from 'vitest';
import { InProcessComposeSend } from '../../src/engine/compose-send.js';
import type { OutgoingMessage, SendOutcome, Transport } from '../../src/ports/transport.js';
import type { ComposeInput } from '../../src/compose/compose-message.js';
import { usePipeline } from '../support/pipeline.js';

const p = usePipeline();

/** A transport that records its calls and answers each batch at once; `gate` opens readyForMore one call at a time. */
function gatedTransport(withBackpressure: boolean) {
  const calls: string[][] = [];
  const asked: Array<() => void> = [];
  const t: Transport & { calls: string[][]; open(): void; waiting(): number } = {
    name: 'gated',
    calls,
    async sendBatch(messages: OutgoingMessage[]): Promise<SendOutcome[]> {
      calls.push(messages.map((m) => m.envelope.to[0]!));
      return messages.map((m) => ({ ok: true, providerMessageId: m.messageId, response: '250 ok' }));
    },
    close: async () => undefined,
    open: () => asked.shift()?.(),
    waiting: () => asked.length,
  };
  if (withBackpressure) t.readyForMore = () => new Promise<void>((resolve) => asked.push(resolve));
  return t;
}

function batch(n: number): ComposeInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `01JJIT${String(i).padStart(20, '0')}`, fromAddress: 'app@postflow.test', fromName: null, toAddress: `r${i}@example.com`, toName: null,
    toDomain: 'example.com', replyTo: null, headers: {}, variables: { i }, templateId: null, templateVersion: null,
    subject: 'Hi {{ i }}', html: null, text: i === 7 ? 'broken {{ i ' : 'n={{ i }}',
  }));
}

const tick = () => new Promise((r) => setImmediate(r));

describe('composing just in time', () => {
  it('composes the next chunk only when the transport runs short, and answers in the batch order', async () => {
    const t = gatedTransport(true);
    const cs = new InProcessComposeSend(p.current.catalog, p.current.engine, t);
    const run = cs.run(batch(120), Date.now());
    await tick();
    expect(t.calls).toHaveLength(0); // nothing composed before the transport asks
    t.open();
    await tick();
    expect(t.calls.map((c) => c.length)).toEqual([49]); // the first 50, less the one that does not compose
    expect(t.waiting()).toBe(1);
    t.open();
    await tick();
    expect(t.calls.map((c) => c.length)).toEqual([49, 50]);
    t.open();
    const results = await run;
    expect(t.calls.map((c) => c.length)).toEqual([49, 50, 20]);
    expect(results).toHaveLength(120);
    results.forEach((r, i) => {
      if (i === 7) expect(r).toMatchObject({ composed: false, error: expect.stringMatching(/^compose failed/) });
      else expect(r).toMatchObject({ composed: true, outcome: { ok: true } });
    });
    expect(t.calls.flat()).toEqual(batch(120).filter((_, i) => i !== 7).map((m) => m.toAddress));
  });

  it('hands a transport without backpressure the whole batch in one call', async () => {
    const t = gatedTransport(false);
    const results = await new InProcessComposeSend(p.current.catalog, p.current.engine, t).run(batch(60), Date.now());
    expect(t.calls.map((c) => c.length)).toEqual([59]);
    expect(results.filter((r) => r.composed)).toHaveLength(59);
  });
});
