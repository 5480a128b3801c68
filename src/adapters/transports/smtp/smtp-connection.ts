import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { formatReply } from '../../../domain/smtp-reply.js';
import { NO_CAPABILITIES, parseCapabilities, type Capabilities } from './capabilities.js';
import { ReplyReader, type RawReply } from './reply-reader.js';
import { SmtpError, toReply } from './smtp-error.js';
import { describeRelay, type SmtpOptions } from './smtp-options.js';

interface Waiter {
  resolve: (r: RawReply) => void;
  reject: (e: Error) => void;
  deadline: number;
  what: string;
  ms: number;
}

/**
 * One SMTP client connection: the socket (plain, implicit TLS or upgraded by STARTTLS), the reply stream with
 * a deadline on every reply, and the opening handshake (greeting, EHLO/HELO, STARTTLS, AUTH). It knows nothing
 * of messages; the connection worker runs transactions over it. Once it fails it stays failed: every pending
 * and later `read` rejects with the same error and the socket is destroyed.
 */
export class SmtpConnection {
  capabilities: Capabilities = NO_CAPABILITIES;
  private socket: Socket | TLSSocket | null = null;
  private reader = new ReplyReader();
  private waiter: Waiter | null = null;
  private failure: SmtpError | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private readonly relay: string;
  private readonly onData = (chunk: Buffer): void => this.received(chunk);
  private readonly onError = (err: Error): void => this.fail(classifySocketError(err, this.relay));
  private readonly onClose = (): void => this.fail(new SmtpError('closed', `connection to ${this.relay} closed by the relay`));

  constructor(private readonly opts: SmtpOptions, private readonly onFailed: (err: SmtpError) => void = () => undefined) {
    this.relay = describeRelay(opts);
  }

  /** True once the connection is unusable. */
  get failed(): SmtpError | null {
    return this.failure;
  }

  /** Connect and run the handshake; rejects with an SmtpError (the greeting's 421, a TLS or AUTH refusal…). */
  async open(): Promise<void> {
    const o = this.opts;
    const sock = o.implicitTls
      ? tlsConnect({ host: o.host, port: o.port, ...this.tlsOptions() })
      : netConnect({ host: o.host, port: o.port });
    this.attach(sock);
    await this.waitFor(sock, o.implicitTls ? 'secureConnect' : 'connect', o.connectTimeout, 'connect');
    sock.setNoDelay(true);
    const greeting = await this.read(o.greetingTimeout, 'greeting');
    if (greeting.code !== 220) throw this.refused(greeting, 'greeting');
    await this.hello();
    if (!o.implicitTls && o.startTls !== 'off') {
      if (this.capabilities.startTls) {
        await this.startTls();
        await this.hello();
      } else if (o.startTls === 'required') {
        throw this.failWith(new SmtpError('tls', `${this.relay} does not offer STARTTLS, and the URL says starttls=required`));
      }
    }
    if (o.auth) await this.authenticate();
  }

  /**
   * Write bytes (several in one go when given an array, so pipelined commands leave in one segment). `flushed` is
   * called once they are all handed to the kernel, or their write failed; never when nothing was written (the
   * connection had failed already).
   */
  write(data: Buffer | string | Array<Buffer | string>, flushed?: () => void): void {
    const s = this.socket;
    if (!s || this.failure) return; // The pending read reports the failure.
    if (!Array.isArray(data)) {
      s.write(data, flushed);
      return;
    }
    s.cork();
    const last = data.length - 1;
    for (let i = 0; i < last; i++) s.write(data[i]!);
    s.write(data[last]!, flushed);
    s.uncork();
  }

  /** The next reply; rejects when it does not come within `ms` or the connection fails. */
  read(ms: number, what: string): Promise<RawReply> {
    if (this.failure) return Promise.reject(this.failure);
    const r = this.reader.take();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + ms;
      this.waiter = { resolve, reject, deadline, what, ms };
      this.arm(deadline);
    });
  }

  /**
   * The replies already read off the wire, without waiting: `peek(i)` looks at the i-th, `take()` takes the next.
   * None while the connection is failed (`read` reports the failure).
   */
  get replies(): Pick<ReplyReader, 'waiting' | 'peek' | 'take'> | null {
    return this.failure ? null : this.reader;
  }

  /** Send a command and read its reply. */
  async command(line: string, what = line.split(' ')[0]!): Promise<RawReply> {
    this.write(`${line}\r\n`);
    return this.read(this.opts.commandTimeout, what);
  }

  /** True when the relay sent something nobody asked for yet (on an idle connection: a 421 before it hangs up). */
  hasUnread(): boolean {
    return this.reader.hasBuffered();
  }

  /** Keep the process alive only while there is work (an idle pooled connection must not block exit). */
  setBusy(busy: boolean): void {
    if (busy) this.socket?.ref();
    else this.socket?.unref();
  }

  /** Say QUIT (waiting up to `ms` for the 221) and close; never throws. */
  async quit(ms = 2000): Promise<void> {
    if (!this.failure && this.socket) {
      this.write('QUIT\r\n');
      await this.read(ms, 'QUIT').then(undefined, () => undefined);
    }
    this.destroy('QUIT');
  }

  /** Drop the connection at once. */
  destroy(reason: string): void {
    this.fail(new SmtpError('closed', `connection to ${this.relay} closed (${reason})`), false);
  }

  /** Mark the connection failed with `err` and return it (for `throw`). */
  failWith(err: SmtpError): SmtpError {
    this.fail(err);
    return this.failure ?? err;
  }

  private tlsOptions(): { servername?: string; rejectUnauthorized: boolean; ca?: string | Buffer } {
    const o = this.opts;
    const servername = o.tlsServername ?? (isIP(o.host) ? undefined : o.host);
    return { ...(servername ? { servername } : {}), rejectUnauthorized: o.tlsRejectUnauthorized, ...(o.tlsCa ? { ca: o.tlsCa } : {}) };
  }

  private async hello(): Promise<void> {
    const ehlo = await this.command(`EHLO ${this.opts.ehloName}`, 'EHLO');
    if (ehlo.code === 250) {
      this.capabilities = parseCapabilities(ehlo.lines);
      return;
    }
    if (ehlo.code === 421) throw this.refused(ehlo, 'EHLO');
    // RFC 5321 §3.2: a server that does not know EHLO gets HELO, and offers no extensions.
    const helo = await this.command(`HELO ${this.opts.ehloName}`, 'HELO');
    if (helo.code !== 250) throw this.refused(helo, 'HELO');
    this.capabilities = NO_CAPABILITIES;
  }

  private async startTls(): Promise<void> {
    const r = await this.command('STARTTLS');
    if (r.code !== 220) {
      if (this.opts.startTls === 'required') throw this.refused(r, 'STARTTLS');
      return; // Opportunistic: carry on in clear text, as RFC 3207 allows.
    }
    // Bytes that came after the 220 were sent before the TLS handshake: an injection attempt (CVE-2011-0411).
    if (this.reader.hasBuffered()) throw this.failWith(new SmtpError('protocol', `${this.relay} sent data after its STARTTLS reply`));
    const plain = this.socket!;
    this.detach(plain);
    const secure = tlsConnect({ socket: plain, ...this.tlsOptions() });
    this.attach(secure);
    await this.waitFor(secure, 'secureConnect', this.opts.connectTimeout, 'TLS handshake');
  }

  private async authenticate(): Promise<void> {
    const o = this.opts;
    const creds = o.auth!;
    const secure = (this.socket as TLSSocket).encrypted === true;
    if (!secure && !o.allowInsecureAuth) {
      throw this.failWith(new SmtpError('setup', `refusing to send the password to ${this.relay} without TLS (the relay offered no STARTTLS; set allow_insecure_auth=true to override)`));
    }
    const mechs = this.capabilities.auth;
    let r: RawReply;
    if (mechs.has('PLAIN') || (!mechs.has('LOGIN') && mechs.size === 0)) {
      const token = Buffer.from(`\0${creds.user}\0${creds.password()}`, 'utf8').toString('base64');
      r = await this.command(`AUTH PLAIN ${token}`, 'AUTH PLAIN');
    } else if (mechs.has('LOGIN')) {
      r = await this.command('AUTH LOGIN', 'AUTH LOGIN');
      if (r.code === 334) r = await this.command(Buffer.from(creds.user, 'utf8').toString('base64'), 'AUTH LOGIN user');
      if (r.code === 334) r = await this.command(Buffer.from(creds.password(), 'utf8').toString('base64'), 'AUTH LOGIN password');
    } else {
      throw this.failWith(new SmtpError('setup', `${this.relay} offers AUTH ${[...mechs].join(' ')}, none of which Postflow speaks (PLAIN, LOGIN)`));
    }
    if (r.code !== 235) throw this.refused(r, 'AUTH');
  }

  private refused(r: RawReply, step: string): SmtpError {
    const reply = toReply(r);
    return this.failWith(new SmtpError('reply', `${this.relay} refused ${step}: ${formatReply(reply)}`, reply));
  }

  private attach(s: Socket | TLSSocket): void {
    this.socket = s;
    s.on('data', this.onData);
    s.on('error', this.onError);
    s.on('close', this.onClose);
  }

  private detach(s: Socket | TLSSocket): void {
    s.off('data', this.onData);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }

  private waitFor(s: Socket, event: string, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(this.failWith(new SmtpError('timeout', `${what} to ${this.relay} timed out after ${ms} ms`))), ms);
      const ok = (): void => {
        clearTimeout(t);
        s.off(event, ok);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      s.on(event, ok);
      // A failure before the event (refused, reset, bad certificate) ends the wait too.
      this.pendingSetup = (err) => {
        clearTimeout(t);
        s.off(event, ok);
        reject(err);
      };
    });
  }

  private pendingSetup: ((err: SmtpError) => void) | null = null;

  private received(chunk: Buffer): void {
    try {
      this.reader.push(chunk);
    } catch (err) {
      this.fail(new SmtpError('protocol', `${this.relay}: ${(err as Error).message}`));
      return;
    }
    const w = this.waiter;
    if (!w) return;
    const r = this.reader.take();
    if (!r) return;
    this.waiter = null;
    w.resolve(r);
  }

  // One timer per connection, re-armed lazily: setting and clearing a timer for each of the ~4 replies per
  // message costs more than letting it fire and checking the current deadline.
  private arm(deadline: number): void {
    if (this.timer && this.timerAt <= deadline) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.tick, Math.max(1, deadline - Date.now()));
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = null;
    const w = this.waiter;
    if (!w) return;
    if (Date.now() >= w.deadline) {
      this.fail(new SmtpError('timeout', `no reply to ${w.what} from ${this.relay} within ${w.ms} ms`));
      return;
    }
    this.arm(w.deadline);
  };

  private fail(err: SmtpError, notify = true): void {
    if (this.failure) return;
    this.failure = err;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    if (s) {
      s.off('data', this.onData);
      s.off('close', this.onClose);
      // Keep an error listener: a late 'error' from a destroyed socket must not become an uncaught exception.
      s.destroy();
    }
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
    const p = this.pendingSetup;
    this.pendingSetup = null;
    p?.(err);
    if (notify) this.onFailed(err);
  }
}

function classifySocketError(err: NodeJS.ErrnoException, relay: string): SmtpError {
  const code = err.code ? `${err.code}: ` : '';
  const tls = /certificate|CERT_|SSL|TLS|self.signed|UNABLE_TO|ERR_TLS/i.test(`${err.code ?? ''} ${err.message}`);
  if (tls) return new SmtpError('tls', `TLS with ${relay} failed: ${code}${err.message}`);
  return new SmtpError('closed', `connection to ${relay} failed: ${code}${err.message}`);
}
