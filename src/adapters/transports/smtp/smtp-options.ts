import { hostname } from 'node:os';
import { inspect } from 'node:util';

/** How STARTTLS is used on a plain (smtp://) connection. */
export type StartTlsMode = 'opportunistic' | 'required' | 'off';

/**
 * A user name and password whose password never shows: not in JSON, not in `util.inspect` (so not in pino or
 * console logs), not in `String()`. Only the AUTH code asks for it.
 */
export class Credentials {
  readonly #pass: string;
  constructor(readonly user: string, pass: string) {
    this.#pass = pass;
  }
  /** The password, for the AUTH exchange only. */
  password(): string {
    return this.#pass;
  }
  toJSON(): { user: string; pass: string } {
    return { user: this.user, pass: '***' };
  }
  toString(): string {
    return `${this.user}:***`;
  }
  [inspect.custom](): string {
    return `Credentials(${this.user}:***)`;
  }
}

/** Everything the smtp transport needs to reach one relay. Times are milliseconds. */
export interface SmtpOptions {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte (RFC 8314 implicit TLS). */
  implicitTls: boolean;
  startTls: StartTlsMode;
  /** Verify the relay's certificate (default true; turn off only for self-signed test relays). */
  tlsRejectUnauthorized: boolean;
  /** Extra CA certificates to trust, e.g. a test relay's self-signed certificate (not settable from the URL). */
  tlsCa?: string | Buffer;
  /** SNI name and the name the certificate is checked against; default the host unless it is an IP address. */
  tlsServername?: string;
  auth?: Credentials;
  /** Send AUTH over a connection that is not encrypted. Default: only to a loopback address. */
  allowInsecureAuth: boolean;
  ehloName: string;
  maxConnections: number;
  /** After this many transactions a connection says QUIT and a fresh one takes over. */
  maxMessagesPerConnection: number;
  /** Use RFC 2920 PIPELINING when the relay offers it (turn off to test or to humour a broken relay). */
  pipelining: boolean;
  /**
   * Messages may be composed with 8bit bodies (Transport.eightBit): sent as they are with BODY=8BITMIME to a relay
   * that offers it, turned to base64 for one that does not. Off: always 7-bit (e.g. a relay that signs and may downgrade later).
   */
  eightBit: boolean;
  connectTimeout: number;
  greetingTimeout: number;
  commandTimeout: number;
  /** Wait for the reply to the final "." (the relay may scan the message before answering). */
  dataTimeout: number;
}

/** Defaults for what a URL leaves out. */
export const SMTP_DEFAULTS = {
  startTls: 'opportunistic' as StartTlsMode,
  tlsRejectUnauthorized: true,
  maxConnections: 10,
  maxMessagesPerConnection: 1000,
  pipelining: true,
  eightBit: true,
  connectTimeout: 10_000,
  greetingTimeout: 30_000,
  commandTimeout: 30_000,
  dataTimeout: 120_000,
};

const INT_PARAMS = {
  max_connections: ['maxConnections', 1, 1000],
  max_messages_per_connection: ['maxMessagesPerConnection', 1, 10_000_000],
  connect_timeout: ['connectTimeout', 1, 3_600_000],
  greeting_timeout: ['greetingTimeout', 1, 3_600_000],
  command_timeout: ['commandTimeout', 1, 3_600_000],
  data_timeout: ['dataTimeout', 1, 3_600_000],
} as const;

const BOOL: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/**
 * Read a relay URL: `smtp://user:pass@host:port?starttls=required` (port 587 by default) or `smtps://…` (465).
 * Query settings: starttls (opportunistic|required|off), tls_reject_unauthorized, tls_servername,
 * allow_insecure_auth, pipelining, eight_bit, ehlo, max_connections, max_messages_per_connection, connect_timeout,
 * greeting_timeout, command_timeout, data_timeout (ms). Throws naming the bad setting — never the password.
 */
export function parseSmtpUrl(raw: string, overrides: Partial<SmtpOptions> = {}): SmtpOptions {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('SMTP URL: not a URL (expected smtp://user:pass@host:port or smtps://…)');
  }
  const implicitTls = u.protocol === 'smtps:';
  if (!implicitTls && u.protocol !== 'smtp:') throw new Error(`SMTP URL: scheme must be smtp or smtps, not ${u.protocol.replace(/:$/, '')}`);
  if (!u.hostname) throw new Error('SMTP URL: no host');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const opts: SmtpOptions = {
    ...SMTP_DEFAULTS,
    host,
    port: u.port ? Number(u.port) : implicitTls ? 465 : 587,
    implicitTls,
    allowInsecureAuth: isLoopback(host),
    ehloName: hostname() || 'localhost',
  };
  if (u.username) opts.auth = new Credentials(decodeURIComponent(u.username), decodeURIComponent(u.password));
  for (const [key, value] of u.searchParams) {
    if (key in INT_PARAMS) {
      const [field, min, max] = INT_PARAMS[key as keyof typeof INT_PARAMS];
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`SMTP URL: ${key} must be a whole number from ${min} to ${max}`);
      opts[field] = n;
    } else if (key === 'starttls') {
      if (value !== 'opportunistic' && value !== 'required' && value !== 'off') throw new Error('SMTP URL: starttls must be opportunistic, required or off');
      opts.startTls = value;
    } else if (key === 'tls_reject_unauthorized' || key === 'allow_insecure_auth' || key === 'pipelining' || key === 'eight_bit') {
      const b = BOOL[value.toLowerCase()];
      if (b === undefined) throw new Error(`SMTP URL: ${key} must be true or false`);
      if (key === 'tls_reject_unauthorized') opts.tlsRejectUnauthorized = b;
      else if (key === 'allow_insecure_auth') opts.allowInsecureAuth = b;
      else if (key === 'pipelining') opts.pipelining = b;
      else opts.eightBit = b;
    } else if (key === 'ehlo' || key === 'tls_servername') {
      // The name goes on the wire in EHLO: no spaces or control characters.
      if (!/^[A-Za-z0-9.:[\]-]+$/.test(value)) throw new Error(`SMTP URL: ${key} must be a host name or address literal`);
      if (key === 'ehlo') opts.ehloName = value;
      else opts.tlsServername = value;
    } else {
      throw new Error(`SMTP URL: unknown setting "${key}"`);
    }
  }
  if (implicitTls && u.searchParams.has('starttls')) throw new Error('SMTP URL: starttls does not apply to smtps:// (TLS from the start)');
  return { ...opts, ...overrides };
}

/** Which of several pools to one relay a transport is: pool `index` of `count` (one per delivery thread of a process). */
export interface PoolShare {
  index: number;
  count: number;
}

/**
 * The connections of pool `index` of `count` pools to one relay from one process (its delivery threads): the relay's
 * max_connections split between them, the first pools taking one more where it does not divide. Their sum is the
 * limit; every pool gets at least one, so `count` must not exceed it.
 */
export function connectionShare(maxConnections: number, index: number, count: number): number {
  if (!Number.isInteger(count) || count < 1 || count > maxConnections) throw new Error(`${count} connection pools cannot share max_connections=${maxConnections}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`pool ${index} is not one of ${count}`);
  return Math.floor(maxConnections / count) + (index < maxConnections % count ? 1 : 0);
}

/** The relay as it may be shown in logs and errors: scheme, user, host and port, never the password. */
export function describeRelay(o: SmtpOptions): string {
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return `${o.implicitTls ? 'smtps' : 'smtp'}://${o.auth ? `${encodeURIComponent(o.auth.user)}@` : ''}${host}:${o.port}`;
}

/** True for 127.0.0.0/8, ::1 and localhost, where a password in clear text does not leave the machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
