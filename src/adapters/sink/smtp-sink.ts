import { createServer, type Server, type Socket } from 'node:net';
import { findReply, type ReplyRule } from './reply-rules.js';
import { SmtpSession, type SessionHost } from './smtp-session.js';

/** One message the sink received whole, as handed to `onMessage`. */
export interface ReceivedMessage {
  /** 1, 2, 3… in the order messages ended, per sink. */
  id: number;
  /** The envelope sender; `''` for the null sender `<>`. */
  mailFrom: string;
  /** The recipients that were accepted. */
  rcptTo: string[];
  /** The message as sent, dot-unstuffed, without the terminating `.` line. */
  data: Buffer;
}

/** How a sink behaves; every field has a default. */
export interface SmtpSinkOptions {
  /** Name in the greeting and the EHLO reply. Default `postflow-sink`. */
  hostname?: string;
  /** Replies injected at RCPT TO by recipient pattern; the first match wins. */
  replies?: readonly ReplyRule[];
  /**
   * Called for each message before its 250 is sent; a returned promise delays that 250 (and only that
   * connection's further replies) until it settles, and a rejection turns it into 451. Without a callback
   * message bytes are not kept at all, only counted.
   */
  onMessage?: (message: ReceivedMessage) => void | Promise<void>;
  /** Largest message accepted (advertised as SIZE). Default 50 MiB. */
  maxMessageBytes?: number;
  /** Most recipients per message. Default 1000. */
  maxRecipients?: number;
  /** A connection silent this long is closed with 421. Default 5 minutes. */
  idleTimeoutMs?: number;
}

/** Counters since the sink was created. Times are epoch milliseconds. */
export interface SinkStats {
  /** Connections accepted, and those still open. */
  connections: number;
  openConnections: number;
  /** Messages received whole and acknowledged with 250. */
  messages: number;
  /** Accepted recipients of those messages. */
  recipients: number;
  /** Recipients refused with an injected 5xx, and deferred with an injected 4xx. */
  rejectedRecipients: number;
  deferredRecipients: number;
  /** Message bytes as sent (dot-stuffed) of those messages. */
  bytes: number;
  startedAt: number;
  firstMessageAt: number | null;
  lastMessageAt: number | null;
}

/**
 * A local SMTP server that accepts everything (unless a reply rule says otherwise), counts it, and hands
 * each message to `onMessage` when asked. Built on node:net for speed; for demos, tests and benchmarks,
 * never for mail that matters: there is no TLS, no authentication and no queue.
 */
export class SmtpSink {
  private readonly server: Server;
  private readonly sessions = new Set<SmtpSession>();
  private readonly host: SessionHost;
  private nextId = 0;
  private readonly counters: SinkStats;

  constructor(private readonly options: SmtpSinkOptions = {}) {
    const rules = options.replies ?? [];
    const sink = this;
    this.counters = {
      connections: 0, openConnections: 0, messages: 0, recipients: 0, rejectedRecipients: 0, deferredRecipients: 0,
      bytes: 0, startedAt: Date.now(), firstMessageAt: null, lastMessageAt: null,
    };
    this.host = {
      hostname: options.hostname ?? 'postflow-sink',
      maxMessageBytes: options.maxMessageBytes ?? 50 * 1024 * 1024,
      maxRecipients: options.maxRecipients ?? 1000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      keepData: options.onMessage !== undefined,
      recipientReply(address) {
        if (rules.length === 0) return null;
        const rule = findReply(rules, address);
        if (!rule) return null;
        if (rule.code >= 500) sink.counters.rejectedRecipients++;
        else if (rule.code >= 400) sink.counters.deferredRecipients++;
        return rule.line;
      },
      received: (mailFrom, rcptTo, size, data) => this.received(mailFrom, rcptTo, size, data),
      closed(session) {
        sink.sessions.delete(session);
        sink.counters.openConnections--;
      },
    };
    this.server = createServer({ noDelay: true }, (socket: Socket) => {
      this.counters.connections++;
      this.counters.openConnections++;
      this.sessions.add(new SmtpSession(socket, this.host));
    });
  }

  /** Start accepting connections; port 0 picks a free one. Resolves with the address actually bound. */
  listen(port = 2525, host = '127.0.0.1'): Promise<{ port: number; host: string }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') return reject(new Error('the sink is not bound to a TCP address'));
        resolve({ port: addr.port, host: addr.address });
      });
    });
  }

  /** A copy of the counters. */
  stats(): SinkStats {
    return { ...this.counters };
  }

  /** Stop listening and drop every open connection (a message in progress is lost, as a sink may). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const session of this.sessions) session.destroy();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  private received(mailFrom: string, rcptTo: string[], size: number, data: Buffer | null): number | Promise<number> {
    const id = ++this.nextId;
    const onMessage = this.options.onMessage;
    const pending = onMessage && data ? onMessage({ id, mailFrom, rcptTo, data }) : undefined;
    if (!pending) return this.count(id, rcptTo.length, size);
    return pending.then(() => this.count(id, rcptTo.length, size));
  }

  private count(id: number, recipients: number, size: number): number {
    const c = this.counters;
    const now = Date.now();
    c.messages++;
    c.recipients += recipients;
    c.bytes += size;
    c.firstMessageAt ??= now;
    c.lastMessageAt = now;
    return id;
  }
}
