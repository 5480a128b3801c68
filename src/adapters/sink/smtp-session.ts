import type { Socket } from 'node:net';
import { DataReader } from './data-reader.js';
import { parseCommand, parsePath } from './smtp-command.js';

/** What a session needs from the sink that accepted its connection. */
export interface SessionHost {
  readonly hostname: string;
  readonly maxMessageBytes: number;
  readonly maxRecipients: number;
  readonly idleTimeoutMs: number;
  /** Whether message bytes are wanted (someone listens); if not they are counted and dropped. */
  readonly keepData: boolean;
  /** The injected reply line for a recipient (2xx, 4xx or 5xx), or null to accept it with 250. */
  recipientReply(address: string): string | null;
  /** One message received whole. Returns its id, or a promise of it (the 250 waits); a rejection means 451. */
  received(mailFrom: string, rcptTo: string[], size: number, data: Buffer | null): number | Promise<number>;
  /** The connection is gone. */
  closed(session: SmtpSession): void;
}

// Longest command line kept while waiting for its end (RFC 5321 asks for 512; ESMTP parameters add more).
const MAX_LINE = 4096;
const LF = 0x0a;

/**
 * One SMTP connection to the sink. Input is handled a chunk at a time: every complete command in a chunk
 * is answered and all answers leave in one write (RFC 2920 pipelining); an incomplete line waits for the
 * next chunk; message data is scanned for its terminator with indexOf and never copied unless kept.
 */
export class SmtpSession {
  private mode: 'command' | 'data' | 'closed' = 'command';
  private partial: Buffer | null = null;
  private out = '';
  private mailFrom: string | null = null;
  private rcptTo: string[] = [];
  private reader: DataReader | null = null;
  // Input that arrived while a message was being handed over; it is read once the 250 has been queued,
  // so replies stay in order.
  private backlog: Buffer | null = null;
  private waiting = false;
  private drainWait = false;
  private paused = false;

  constructor(private readonly socket: Socket, private readonly host: SessionHost) {
    socket.setNoDelay(true);
    socket.setTimeout(host.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      this.reply('421 4.4.2 Error: timeout exceeded');
      this.close();
    });
    socket.on('drain', () => {
      this.drainWait = false;
      this.updateFlow();
    });
    // A client that resets the connection is normal for a sink; there is nobody to tell.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.mode = 'closed';
      host.closed(this);
    });
    socket.write(`220 ${host.hostname} ESMTP Postflow sink\r\n`);
  }

  /** Drop the connection at once (the sink is closing). */
  destroy(): void {
    this.mode = 'closed';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.waiting) {
      this.backlog = this.backlog ? Buffer.concat([this.backlog, chunk]) : chunk;
      return;
    }
    this.consume(chunk);
    this.flush();
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.mode !== 'closed' && !this.waiting) {
      if (this.mode === 'data') {
        const end = this.reader!.push(chunk, off);
        if (end < 0) return;
        off = end;
        this.endOfData();
        continue;
      }
      const nl = chunk.indexOf(LF, off);
      if (nl < 0) {
        this.keepPartial(chunk.subarray(off));
        return;
      }
      let line = chunk.subarray(off, nl);
      if (this.partial) {
        line = Buffer.concat([this.partial, line]);
        this.partial = null;
      }
      off = nl + 1;
      const text = line.toString('utf8');
      this.command(text.endsWith('\r') ? text.slice(0, -1) : text);
    }
    if (this.waiting && off < chunk.length) this.backlog = chunk.subarray(off);
  }

  private keepPartial(rest: Buffer): void {
    this.partial = this.partial ? Buffer.concat([this.partial, rest]) : rest;
    if (this.partial.length > MAX_LINE) {
      this.partial = null;
      this.reply('500 5.5.6 Error: command line too long');
      this.close();
    }
  }

  private command(line: string): void {
    const { verb, arg } = parseCommand(line);
    switch (verb) {
      case 'EHLO':
        if (!arg) return this.reply('501 5.5.4 Syntax: EHLO hostname');
        this.resetTransaction();
        return this.reply(`250-${this.host.hostname}\r\n250-PIPELINING\r\n250-SIZE ${this.host.maxMessageBytes}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES`);
      case 'HELO':
        if (!arg) return this.reply('501 5.5.4 Syntax: HELO hostname');
        this.resetTransaction();
        return this.reply(`250 ${this.host.hostname}`);
      case 'MAIL':
        return this.mail(arg);
      case 'RCPT':
        return this.rcpt(arg);
      case 'DATA':
        return this.data(arg);
      case 'RSET':
        this.resetTransaction();
        return this.reply('250 2.0.0 Ok');
      case 'NOOP':
        return this.reply('250 2.0.0 Ok');
      case 'QUIT':
        this.reply('221 2.0.0 Bye');
        return this.close();
      case '':
        return this.reply('500 5.5.2 Error: bad syntax');
      default:
        return this.reply('502 5.5.2 Error: command not recognized');
    }
  }

  private mail(arg: string): void {
    if (this.mailFrom !== null) return this.reply('503 5.5.1 Error: nested MAIL command');
    const path = parsePath(arg, 'FROM:');
    if (!path) return this.reply('501 5.5.4 Syntax: MAIL FROM:<address>');
    const size = path.params.SIZE;
    if (size !== undefined && Number(size) > this.host.maxMessageBytes) return this.reply('552 5.3.4 Message size exceeds fixed limit');
    this.mailFrom = path.address;
    this.reply('250 2.1.0 Ok');
  }

  private rcpt(arg: string): void {
    if (this.mailFrom === null) return this.reply('503 5.5.1 Error: need MAIL command');
    const path = parsePath(arg, 'TO:');
    if (!path || !path.address) return this.reply('501 5.1.3 Bad recipient address syntax');
    if (this.rcptTo.length >= this.host.maxRecipients) return this.reply('452 4.5.3 Error: too many recipients');
    const injected = this.host.recipientReply(path.address);
    if (injected === null || injected.startsWith('2')) this.rcptTo.push(path.address);
    this.reply(injected ?? '250 2.1.5 Ok');
  }

  private data(arg: string): void {
    if (arg) return this.reply('501 5.5.4 Syntax: DATA');
    if (this.mailFrom === null) return this.reply('503 5.5.1 Error: need MAIL command');
    // With pipelining the client sends DATA before it sees the RCPT replies; with none accepted the
    // bytes that follow are read as commands again (RFC 2920 §3.1), which the client expects.
    if (this.rcptTo.length === 0) return this.reply('554 5.5.1 Error: no valid recipients');
    this.mode = 'data';
    this.reader = new DataReader(this.host.keepData, this.host.maxMessageBytes);
    this.reply('354 End data with <CR><LF>.<CR><LF>');
  }

  private endOfData(): void {
    const reader = this.reader!;
    const mailFrom = this.mailFrom!;
    const rcptTo = this.rcptTo;
    this.reader = null;
    this.mode = 'command';
    this.resetTransaction();
    if (reader.overflowed) return this.reply('552 5.3.4 Message size exceeds fixed limit');
    let result: number | Promise<number>;
    try {
      result = this.host.received(mailFrom, rcptTo, reader.size, this.host.keepData ? reader.body() : null);
    } catch {
      return this.reply('451 4.3.0 Error: local error in processing');
    }
    if (typeof result === 'number') return this.reply(`250 2.0.0 Ok: queued as ${result}`);
    this.waiting = true;
    this.updateFlow();
    result.then(
      (id) => this.reply(`250 2.0.0 Ok: queued as ${id}`),
      () => this.reply('451 4.3.0 Error: local error in processing'),
    ).finally(() => {
      this.waiting = false;
      const rest = this.backlog;
      this.backlog = null;
      if (rest && this.mode !== 'closed') this.consume(rest);
      this.flush();
      this.updateFlow();
    });
  }

  private resetTransaction(): void {
    this.mailFrom = null;
    this.rcptTo = [];
  }

  private reply(line: string): void {
    this.out += `${line}\r\n`;
  }

  private flush(): void {
    if (!this.out || this.socket.destroyed) return;
    if (!this.socket.write(this.out)) this.drainWait = true;
    this.out = '';
    this.updateFlow();
  }

  // Stop reading while a message is being handed over (replies must stay in order) or while the client
  // does not read its replies (they would pile up here).
  private updateFlow(): void {
    const pause = this.waiting || this.drainWait;
    if (this.mode === 'closed' || pause === this.paused) return;
    this.paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  private close(): void {
    this.flush();
    this.mode = 'closed';
    this.socket.end();
  }
}
