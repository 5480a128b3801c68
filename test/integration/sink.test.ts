// The SMTP sink (`postflow sink`, SmtpSink) over real sockets on 127.0.0.1: plain and pipelined sessions,
// commands and data split into tiny packets, dot-unstuffing, stored files, injected RCPT replies, and the
// real CLI stopped with SIGTERM. Adapter-only: the sink is a test tool, not an implementation of a port.
import { describe, it, expect, afterEach } from 'vitest';
import { connect, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SmtpSink, type ReceivedMessage, type SmtpSinkOptions } from '../../src/adapters/sink/smtp-sink.js';
import { EmlStore } from '../../src/adapters/sink/eml-store.js';
import { parseReplyRule } from '../../src/adapters/sink/reply-rules.js';
import { freePort, killHard, runCli, waitFor, type CliProcess } from '../support/process.js';

/** A raw SMTP client: writes exactly what it is given and collects complete (multi-line) replies. */
class RawClient {
  private text = '';
  private replies: string[] = [];
  private pendingLines: string[] = [];
  private wake: (() => void) | null = null;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.text += d.toString('utf8');
      for (let nl = this.text.indexOf('\r\n'); nl >= 0; nl = this.text.indexOf('\r\n')) {
        this.pendingLines.push(this.text.slice(0, nl));
        this.text = this.text.slice(nl + 2);
        const line = this.pendingLines[this.pendingLines.length - 1]!;
        if (line[3] !== '-') {
          this.replies.push(this.pendingLines.join('\n'));
          this.pendingLines = [];
        }
      }
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.wake?.();
      resolve();
    }));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
      clients.push(socket);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Send in pieces of 1 to 7 bytes, one event-loop turn apart, so the sink sees many partial packets. */
  async trickle(data: string): Promise<void> {
    const bytes = Buffer.from(data);
    for (let i = 0, n = 1; i < bytes.length; i += n, n = (n % 7) + 1) {
      this.socket.write(bytes.subarray(i, i + n));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The next `n` replies (each a whole multi-line reply joined with \n); fails after 5 s. */
  async read(n = 1): Promise<string[]> {
    const until = Date.now() + 5_000;
    while (this.replies.length < n) {
      if (this.socket.destroyed && this.replies.length < n) throw new Error(`connection closed after ${JSON.stringify(this.replies)}`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} replies, have ${JSON.stringify(this.replies)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.replies.splice(0, n);
  }

  /** Send one command and return its reply. */
  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return (await this.read(1))[0]!;
  }
}

const sinks: SmtpSink[] = [];
const clients: Socket[] = [];
const dirs: string[] = [];
const procs: CliProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of sinks.splice(0)) await s.close();
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) await killHard(p);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startSink(options: SmtpSinkOptions = {}): Promise<{ sink: SmtpSink; port: number }> {
  const sink = new SmtpSink(options);
  sinks.push(sink);
  const { port } = await sink.listen(0, '127.0.0.1');
  return { sink, port };
}

function recording(): { messages: ReceivedMessage[]; onMessage: (m: ReceivedMessage) => void } {
  const messages: ReceivedMessage[] = [];
  return { messages, onMessage: (m) => void messages.push({ ...m, data: Buffer.from(m.data) }) };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pf-sink-'));
  dirs.push(d);
  return d;
}

/** RFC 5321 §4.5.2 transparency, as a client does it. */
const stuff = (message: string): string => message.replace(/^\./gm, '..');
const codes = (replies: string[]): number[] => replies.map((r) => Number(r.slice(0, 3)));

// Lines that start with dots, a line that is a lone dot, and a first line starting with a dot.
const DOTTY = '.first line starts with a dot\r\nSubject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend.\r\n';

describe('SmtpSink over a socket', () => {
  it('greets at once and advertises its ESMTP extensions', async () => {
    const { port } = await startSink();
    const c = await RawClient.open(port);
    expect((await c.read())[0]).toMatch(/^220 postflow-sink ESMTP/);
    const ehlo = await c.command('EHLO client.test');
    expect(ehlo.split('\n').map((l) => l.slice(4))).toEqual(['postflow-sink', 'PIPELINING', 'SIZE 52428800', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES']);
    expect(ehlo).not.toMatch(/STARTTLS/);
    expect(await c.command('HELO client.test')).toBe('250 postflow-sink');
    expect(await c.command('EHLO')).toMatch(/^501 /);
  });

  it('receives a message sent one command at a time and un-dot-stuffs it', async () => {
    const rec = recording();
    const { sink, port } = await startSink({ onMessage: rec.onMessage });
    const c = await RawClient.open(port);
    await c.read();
    expect(await c.command('EHLO client.test')).toMatch(/^250-/);
    expect(await c.command('MAIL FROM:<alice@sender.test> SIZE=200 BODY=8BITMIME')).toBe('250 2.1.0 Ok');
    expect(await c.command('RCPT TO:<bob@example.test>')).toBe('250 2.1.5 Ok');
    expect(await c.command('DATA')).toMatch(/^354 /);
    expect(await c.command(`${stuff(DOTTY)}.`)).toBe('250 2.0.0 Ok: queued as 1');
    expect(rec.messages).toHaveLength(1);
    expect(rec.messages[0]).toMatchObject({ id: 1, mailFrom: 'alice@sender.test', rcptTo: ['bob@example.test'] });
    expect(rec.messages[0]!.data.toString()).toBe(DOTTY);
    expect(sink.stats()).toMatchObject({ messages: 1, recipients: 1, bytes: Buffer.byteLength(stuff(DOTTY)), connections: 1, openConnections: 1 });
    expect(await c.command('QUIT')).toBe('221 2.0.0 Bye');
    await c.closed;
  });

  it('answers several pipelined transactions written at once, in order', async () => {
    const rec = recording();
    const { sink, port } = await startSink({ onMessage: rec.onMessage });
    const c = await RawClient.open(port);
    await c.read();
    const bodies = [DOTTY, 'Subject: two\r\n\r\nsecond\r\n', ''];
    let stream = 'EHLO client.test\r\n';
    bodies.forEach((b, i) => {
      stream += `MAIL FROM:<s${i}@sender.test>\r\nRCPT TO:<a${i}@example.test>\r\nRCPT TO:<b${i}@example.test>\r\nDATA\r\n${stuff(b)}.\r\n`;
    });
    c.send(`${stream}NOOP\r\nQUIT\r\n`);
    const replies = await c.read(1 + 3 * 5 + 2);
    expect(codes(replies)).toEqual([250, ...bodies.flatMap(() => [250, 250, 250, 354, 250]), 250, 221]);
    expect(replies.filter((r) => r.includes('queued as'))).toEqual(['250 2.0.0 Ok: queued as 1', '250 2.0.0 Ok: queued as 2', '250 2.0.0 Ok: queued as 3']);
    await c.closed;
    expect(rec.messages.map((m) => m.data.toString())).toEqual(bodies);
    expect(rec.messages.map((m) => m.rcptTo)).toEqual([0, 1, 2].map((i) => [`a${i}@example.test`, `b${i}@example.test`]));
    expect(sink.stats()).toMatchObject({ messages: 3, recipients: 6 });
  });

  it('reassembles commands and message data arriving in packets of a few bytes', async () => {
    const rec = recording();
    const { sink, port } = await startSink({ onMessage: rec.onMessage });
    const c = await RawClient.open(port);
    await c.read();
    const bodies = [DOTTY, '', '\r\n', 'x\r\n..\r\ntail\r\n'];
    let stream = 'EHLO client.test\r\n';
    for (const b of bodies) stream += `MAIL FROM:<>\r\nRCPT TO:<r@example.test>\r\nDATA\r\n${stuff(b)}.\r\n`;
    await c.trickle(`${stream}QUIT\r\n`);
    expect(codes(await c.read(1 + 4 * 4 + 1))).toEqual([250, ...bodies.flatMap(() => [250, 250, 354, 250]), 221]);
    expect(rec.messages.map((m) => m.data.toString())).toEqual(bodies);
    expect(rec.messages.every((m) => m.mailFrom === '')).toBe(true);
    expect(sink.stats().messages).toBe(4);
  });

  it('counts without keeping bytes when nobody listens', async () => {
    const { sink, port } = await startSink();
    const c = await RawClient.open(port);
    await c.read();
    const body = `Subject: big\r\n\r\n${'y'.repeat(70)}\r\n`.repeat(1000);
    c.send(`EHLO c\r\n${`MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n${body}.\r\n`.repeat(20)}QUIT\r\n`);
    expect(codes(await c.read(1 + 20 * 4 + 1)).filter((x) => x === 354)).toHaveLength(20);
    expect(sink.stats()).toMatchObject({ messages: 20, recipients: 20, bytes: 20 * body.length });
  });

  it('stores each message as <n>.eml with its envelope in X-Sink headers, written before the 250', async () => {
    const dir = tempDir();
    const store = await EmlStore.open(dir);
    const { port } = await startSink({ onMessage: (m) => store.write(m) });
    const c = await RawClient.open(port);
    await c.read();
    c.send(`EHLO c\r\nMAIL FROM:<alice@sender.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n${stuff(DOTTY)}.\r\n`
      + 'MAIL FROM:<>\r\nRCPT TO:<d@example.test>\r\nDATA\r\nSubject: bounce\r\n\r\nx\r\n.\r\n');
    const replies = await c.read(1 + 5 + 4);
    expect(replies.at(-1)).toBe('250 2.0.0 Ok: queued as 2');
    expect(readdirSync(dir).sort()).toEqual(['1.eml', '2.eml']);
    expect(readFileSync(join(dir, '1.eml'), 'utf8')).toBe(`X-Sink-Mail-From: alice@sender.test\r\nX-Sink-Rcpt-To: b@example.test, c@example.test\r\n${DOTTY}`);
    expect(readFileSync(join(dir, '2.eml'), 'utf8')).toBe('X-Sink-Mail-From: <>\r\nX-Sink-Rcpt-To: d@example.test\r\nSubject: bounce\r\n\r\nx\r\n');
  });

  it('injects replies at RCPT TO by glob or substring; a transaction left without recipients gets 554 at DATA', async () => {
    const rec = recording();
    const replies = ['*@bounce.test=550 5.1.1 No such user', 'slow*=451 4.7.1 Try again later', 'vip=250 2.1.5 Welcome'].map(parseReplyRule);
    const { sink, port } = await startSink({ replies, onMessage: rec.onMessage });
    const c = await RawClient.open(port);
    await c.read();
    await c.command('EHLO c');
    expect(await c.command('MAIL FROM:<a@sender.test>')).toBe('250 2.1.0 Ok');
    expect(await c.command('RCPT TO:<ok@example.test>')).toBe('250 2.1.5 Ok');
    expect(await c.command('RCPT TO:<Someone@Bounce.Test>')).toBe('550 5.1.1 No such user');
    expect(await c.command('RCPT TO:<slowpoke@example.test>')).toBe('451 4.7.1 Try again later');
    expect(await c.command('RCPT TO:<not-slow@example.test>')).toBe('250 2.1.5 Ok');
    expect(await c.command('RCPT TO:<the.vip@example.test>')).toBe('250 2.1.5 Welcome');
    expect(await c.command('DATA')).toMatch(/^354 /);
    expect(await c.command('hello\r\n.')).toBe('250 2.0.0 Ok: queued as 1');
    expect(rec.messages[0]!.rcptTo).toEqual(['ok@example.test', 'not-slow@example.test', 'the.vip@example.test']);

    // Pipelined, all refused: DATA fails and what follows is read as commands (RFC 2920 §3.1).
    c.send('MAIL FROM:<a@sender.test>\r\nRCPT TO:<x@bounce.test>\r\nDATA\r\nNOOP\r\n');
    expect(await c.read(4)).toEqual(['250 2.1.0 Ok', '550 5.1.1 No such user', '554 5.5.1 Error: no valid recipients', '250 2.0.0 Ok']);
    expect(sink.stats()).toMatchObject({ messages: 1, recipients: 3, rejectedRecipients: 2, deferredRecipients: 1 });
  });

  it('rejects malformed reply rules', () => {
    expect(() => parseReplyRule('nocode')).toThrow(/PATTERN=CODE/);
    expect(() => parseReplyRule('*@x=354 go ahead')).toThrow(/PATTERN=CODE/);
    expect(() => parseReplyRule('*@x=550 a\r\n250 forged')).toThrow(/line break/);
    expect(parseReplyRule('a=b@x=452').line).toBe('452');
    expect(parseReplyRule('a=b@x=452').matches('A=B@X.test')).toBe(true);
  });

  it('handles RSET, NOOP, QUIT and commands out of order', async () => {
    const { sink, port } = await startSink();
    const c = await RawClient.open(port);
    await c.read();
    expect(await c.command('RCPT TO:<b@example.test>')).toMatch(/^503 5\.5\.1/);
    expect(await c.command('DATA')).toMatch(/^503 5\.5\.1/);
    expect(await c.command('MAIL TO:<a@x.test>')).toMatch(/^501 5\.5\.4/);
    expect(await c.command('MAIL FROM:<a@x.test>')).toBe('250 2.1.0 Ok');
    expect(await c.command('MAIL FROM:<a@x.test>')).toMatch(/^503 5\.5\.1 .*nested/);
    expect(await c.command('RCPT TO:<>')).toMatch(/^501 5\.1\.3/);
    expect(await c.command('RCPT TO:<b@example.test>')).toBe('250 2.1.5 Ok');
    expect(await c.command('RSET')).toBe('250 2.0.0 Ok');
    expect(await c.command('DATA')).toMatch(/^503 /);
    expect(await c.command('MAIL FROM:<a@x.test>')).toBe('250 2.1.0 Ok');
    expect(await c.command('XYZZY')).toMatch(/^502 5\.5\.2/);
    expect(await c.command('STARTTLS')).toMatch(/^502 /);
    expect(await c.command('NOOP')).toBe('250 2.0.0 Ok');
    expect(await c.command('QUIT')).toBe('221 2.0.0 Bye');
    await c.closed;
    expect(sink.stats()).toMatchObject({ messages: 0, recipients: 0 });
    await waitFor('the session to be gone', () => sink.stats().openConnections === 0, 2_000);
  });

  it('refuses messages over the size limit with 552 and carries on', async () => {
    const { sink, port } = await startSink({ maxMessageBytes: 100 });
    const c = await RawClient.open(port);
    await c.read();
    expect(await c.command('MAIL FROM:<a@x.test> SIZE=101')).toMatch(/^552 5\.3\.4/);
    c.send(`MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\n${'z'.repeat(300)}\r\n.\r\nNOOP\r\n`);
    expect(codes(await c.read(5))).toEqual([250, 250, 354, 552, 250]);
    expect(sink.stats().messages).toBe(0);
  });

  it('answers 451 when onMessage fails, and holds later pipelined replies until it settles', async () => {
    let n = 0;
    const onMessage = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, 20));
      if (++n === 1) throw new Error('disk full');
    };
    const { sink, port } = await startSink({ onMessage });
    const c = await RawClient.open(port);
    await c.read();
    c.send('MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\none\r\n.\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n');
    const replies = await c.read(9);
    expect(codes(replies)).toEqual([250, 250, 354, 451, 250, 250, 354, 250, 221]);
    expect(replies[7]).toBe('250 2.0.0 Ok: queued as 2');
    expect(sink.stats()).toMatchObject({ messages: 1, recipients: 1 });
  });

  it('close() drops open connections', async () => {
    const { sink, port } = await startSink();
    const c = await RawClient.open(port);
    await c.read();
    await sink.close();
    await c.closed;
    expect(sink.stats().openConnections).toBe(0);
  });
});

const BIN_ENTRY = fileURLToPath(new URL('../../dist/main/cli.js', import.meta.url));

describe('postflow sink (the real CLI, built in dist/)', () => {
  it('listens, reports, stores, injects replies, and prints a summary on SIGTERM', async () => {
    expect(existsSync(BIN_ENTRY), 'dist/ is missing: run `npm run build` first').toBe(true);
    const port = await freePort();
    const dir = tempDir();
    const p = runCli(['sink', '--port', String(port), '--host', '127.0.0.1', '--store', dir, '--reply', '*@bounce.test=550 5.1.1 No such user', '--report-every', '0.2'], {});
    procs.push(p);
    await waitFor('the sink to listen', () => p.output().includes(`listening on 127.0.0.1:${port}`), 10_000);
    const c = await RawClient.open(port);
    await c.read();
    let stream = 'EHLO c\r\n';
    for (let i = 1; i <= 3; i++) stream += `MAIL FROM:<a@x.test>\r\nRCPT TO:<r${i}@example.test>\r\nRCPT TO:<r${i}@bounce.test>\r\nDATA\r\nSubject: ${i}\r\n\r\n..body ${i}\r\n.\r\n`;
    c.send(`${stream}QUIT\r\n`);
    const replies = await c.read(1 + 3 * 5 + 1);
    expect(replies.filter((r) => r.startsWith('550 5.1.1'))).toHaveLength(3);
    await c.closed;
    await waitFor('a progress line', () => /sink: 3 messages \(\+3, \d+ msg\/s\), 3 recipients \(3 rejected, 0 deferred\)/.test(p.output()), 5_000);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/sink summary: 3 messages, 3 recipients \(3 rejected, 0 deferred\), [\d.]+ MiB, 1 connections; /);
    expect(readdirSync(dir).sort()).toEqual(['1.eml', '2.eml', '3.eml']);
    expect(readFileSync(join(dir, '3.eml'), 'utf8')).toBe('X-Sink-Mail-From: a@x.test\r\nX-Sink-Rcpt-To: r3@example.test\r\nSubject: 3\r\n\r\n.body 3\r\n');
  });

  it('refuses a malformed --reply with exit code 1', async () => {
    const p = runCli(['sink', '--port', '0', '--reply', 'no-code-here'], {});
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/--reply "no-code-here" is not PATTERN=CODE TEXT/);
  });
});
