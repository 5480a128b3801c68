// Composed messages' bytes are cut from slabs that are used again once the SMTP transport gives them back
// (OutgoingMessage.release, MimeWriter.release). Over real sockets (smtp-server on 127.0.0.1): reused memory never
// reaches the wire in place of a message not yet written, and a message is given back once, after its outcome and its
// write — also when the connection drops in the middle of its DATA.
import { describe, it, expect, afterEach } from 'vitest';
import { SmtpTransport } from '../../src/adapters/transports/smtp/smtp-transport.js';
import { mimeSlabStats } from '../../src/compose/mime.js';
import type { OutgoingMessage, SendOutcome } from '../../src/ports/transport.js';
import { makePipeline, type TestPipeline } from '../support/pipeline.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { testMessage } from '../contract/transport-contract.js';

let p: TestPipeline | null = null;
let server: TestSmtpServer | null = null;
let transport: SmtpTransport | null = null;
afterEach(async () => {
  await transport?.close();
  await server?.stop();
  await p?.close();
  p = server = transport = null;
});

describe('composed bytes given back by the smtp transport', () => {
  it('messages delivered while slabs are reused each arrive whole, with their own content', async () => {
    p = await makePipeline();
    server = await startSmtpServer();
    transport = SmtpTransport.fromUrl(server.url({ max_connections: 3 }));
    // ~1.7 KB each: ~75 per slab. A batch of 200 spans three slabs, all composed before the first is sent: bytes given
    // back too early would be overwritten by the batch's own later messages before they reach the wire.
    const N = 600;
    const r = await p.accept.sendBatch(Array.from({ length: N }, (_, i) => ({
      to: `r${i}@example.com`, subject: `s${i}`, text: `marker-${i}-start\n${`line of message ${i}\n`.repeat(60)}marker-${i}-end\n`,
    })), null);
    expect(r.rejected).toEqual([]);
    const before = mimeSlabStats();
    const w = p.worker(transport, 200);
    while ((await w.runOnce()) > 0);
    const after = mimeSlabStats();
    expect(after.reused - before.reused).toBeGreaterThan(3);
    expect(server.received).toHaveLength(N);
    for (const m of server.received) {
      const i = Number(/^r(\d+)@/.exec(m.to[0]!)![1]);
      const raw = m.raw.toString('utf8');
      expect(raw).toContain(`To: r${i}@example.com\r\n`);
      expect(raw).toContain(`Subject: s${i}\r\n`);
      expect(raw).toContain(`marker-${i}-start\r\n${`line of message ${i}\r\n`.repeat(60)}marker-${i}-end\r\n`);
    }
  });

  it('each message is given back once, after its outcome; the one whose connection dropped mid-DATA at most once', async () => {
    server = await startSmtpServer({ rules: [{ match: /^victim@/, at: 'data', drop: true, times: 1 }] });
    transport = SmtpTransport.fromUrl(server.url({ max_connections: 2, data_timeout: 1000, command_timeout: 1000 }));
    const order: string[] = [];
    const released = new Map<number, number>();
    const msgs: OutgoingMessage[] = Array.from({ length: 40 }, (_, i) => ({
      ...testMessage(i, [`body ${i}`], i === 17 ? 'victim@example.com' : `user${i}@example.com`),
      release: () => {
        order.push(`release ${i}`);
        released.set(i, (released.get(i) ?? 0) + 1);
      },
    }));
    const outcomes: SendOutcome[] = await transport.sendBatch(msgs, { onOutcome: (i) => order.push(`outcome ${i}`) });
    // A write's completion is reported on a later turn of the event loop than the write itself.
    await new Promise((res) => setTimeout(res, 50));
    expect(outcomes[17]).toMatchObject({ ok: false, permanent: false });
    expect(outcomes.filter((o) => o.ok)).toHaveLength(39);
    for (let i = 0; i < 40; i++) {
      if (i !== 17) expect(released.get(i), `message ${i}`).toBe(1);
      if (released.has(i)) expect(order.indexOf(`release ${i}`)).toBeGreaterThan(order.indexOf(`outcome ${i}`));
    }
    expect(released.get(17) ?? 0).toBeLessThanOrEqual(1);
  });
});
