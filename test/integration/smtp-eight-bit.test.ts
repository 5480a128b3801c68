// 8bit bodies (RFC 6152) through the real pipeline (accept → store → worker → compose → SMTP) to a real SMTP server on
// 127.0.0.1: UTF-8 text goes as it is where the relay offers 8BITMIME, in base64 where it does not or where the relay
// URL says eight_bit=false; each time the receiver decodes the same text.
import { describe, it, expect, afterEach } from 'vitest';
import { simpleParser } from 'mailparser';
import { SmtpTransport } from '../../src/adapters/transports/smtp/smtp-transport.js';
import { makePipeline, type TestPipeline } from '../support/pipeline.js';
import { startSmtpServer, type ReceivedMessage, type TestSmtpServer } from '../support/smtp-server.js';

let p: TestPipeline | null = null;
let server: TestSmtpServer | null = null;
let transport: SmtpTransport | null = null;
afterEach(async () => {
  await transport?.close();
  await server?.stop();
  await p?.close();
  p = server = transport = null;
});

const TEXT = 'Grüße, Zoë — your total is €42.00 (½ off) ✓\nSee you.';
const HTML = '<p>Grüße, Zoë — <b>€42.00</b> ✓</p>';

async function deliver(serverOpts: { eightBitMime?: boolean; size?: number }, query: Record<string, string | number> = {}): Promise<ReceivedMessage[]> {
  p = await makePipeline();
  server = await startSmtpServer(serverOpts);
  transport = SmtpTransport.fromUrl(server.url({ max_connections: 2, ...query }));
  const r = await p.accept.sendBatch([
    { to: 'zoe@example.com', subject: 'Grüße', text: TEXT, html: HTML },
    { to: 'ann@example.com', subject: 'plain', text: 'plain ascii text', html: '<p>plain</p>' },
  ], null);
  expect(r.rejected).toEqual([]);
  const w = p.worker(transport, 10);
  while ((await w.runOnce()) > 0);
  expect(server.received).toHaveLength(2);
  return [...server.received].sort((a, b) => a.to[0]!.localeCompare(b.to[0]!));
}

async function expectSameText(m: ReceivedMessage): Promise<void> {
  const parsed = await simpleParser(m.raw);
  expect(parsed.text?.trim()).toBe(TEXT);
  expect(parsed.html).toContain(HTML);
}

describe('8bit bodies over SMTP', () => {
  it('to a relay that offers 8BITMIME: non-ASCII bodies go as 8bit, declared with BODY=8BITMIME', async () => {
    const [ann, zoe] = await deliver({});
    const raw = zoe!.raw.toString('utf8');
    expect(raw.match(/Content-Transfer-Encoding: 8bit/g)).toHaveLength(2);
    expect(raw).toContain('Grüße, Zoë — your total is €42.00 (½ off) ✓\r\nSee you.');
    expect(zoe!.mailParams.BODY).toBe('8BITMIME');
    await expectSameText(zoe!);
    // ASCII stays 7bit and needs no BODY parameter.
    expect(ann!.raw.toString('utf8')).not.toContain('8bit');
    expect(ann!.mailParams.BODY).toBeUndefined();
  });

  it('to a relay that does not: the same message in base64, no BODY parameter, SIZE of the bytes sent', async () => {
    const [, zoe] = await deliver({ eightBitMime: false, size: 1_000_000 });
    const raw = zoe!.raw.toString('latin1');
    expect(raw).not.toContain('8bit');
    expect(raw.match(/Content-Transfer-Encoding: base64/g)).toHaveLength(2);
    expect(/[^\x00-\x7f]/.test(raw)).toBe(false);
    expect(zoe!.mailParams.BODY).toBeUndefined();
    // The server keeps the content with its final CRLF; SIZE counted the bytes that were sent.
    expect(Number(zoe!.mailParams.SIZE)).toBe(zoe!.raw.length);
    await expectSameText(zoe!);
  });

  it('with eight_bit=false in the relay URL: 7-bit whatever the relay offers', async () => {
    const [, zoe] = await deliver({}, { eight_bit: 'false' });
    expect(transport!.eightBit).toBe(false);
    const raw = zoe!.raw.toString('latin1');
    expect(raw).not.toContain('8bit');
    expect(/[^\x00-\x7f]/.test(raw)).toBe(false);
    expect(zoe!.mailParams.BODY).toBeUndefined();
    await expectSameText(zoe!);
  });
});
