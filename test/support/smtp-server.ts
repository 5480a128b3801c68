// Test support: a real SMTP server (the smtp-server package) on 127.0.0.1, port 0 unless told otherwise. It
// records the envelope and the exact bytes of every message it accepts, and can be told to answer, delay or
// drop per recipient pattern, refuse the first connections with 421, require AUTH, and offer STARTTLS or
// implicit TLS with a certificate made at test time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

/** A message the server accepted. */
export interface ReceivedMessage {
  from: string;
  to: string[];
  /** The MAIL FROM parameters, by upper-case name (e.g. `{ BODY: '8BITMIME', SIZE: '1234' }`). */
  mailParams: Record<string, string | true>;
  /** The content as stored by the server: dot-stuffing already removed. */
  raw: Buffer;
  /** Whether the connection was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
  /** The authenticated user, when AUTH was used. */
  user?: string;
  /** 1-based number of the connection it arrived on. */
  connection: number;
}

/** What to do when a recipient matches. */
export interface ReplyRule {
  /** Recipients (the RCPT TO address) this rule applies to. */
  match: RegExp;
  /** Act on RCPT TO (default) or at the end of DATA for a message that has a matching recipient. */
  at?: 'rcpt' | 'data';
  /** Refuse with this code; `message` may start with an enhanced code ("5.1.1 No such user"). */
  code?: number;
  message?: string;
  /** Wait this long before acting. */
  delayMs?: number;
  /** Drop the connection instead of replying; at 'data' it drops as soon as content starts to arrive. */
  drop?: boolean;
  /** Apply to the first N matches only, then accept. */
  times?: number;
}

/** How the test server behaves. */
export interface SmtpServerOptions {
  /** Offer STARTTLS with this key and certificate (or, with implicitTls, speak TLS from the start). */
  tls?: { key: string; cert: string };
  implicitTls?: boolean;
  /** Require AUTH with these credentials, offering these mechanisms (default PLAIN and LOGIN). */
  auth?: { user: string; pass: string; methods?: string[] };
  /** Announce PIPELINING (default true). */
  pipelining?: boolean;
  /** Announce 8BITMIME (default true). */
  eightBitMime?: boolean;
  /** Announce and enforce a SIZE limit in bytes. */
  size?: number;
  /** Greet the first N connections with this reply and close them (default code 421). */
  refuse?: { connections: number; code?: number; message?: string };
  rules?: ReplyRule[];
  /** Listen on this port (to bring a server back where it was); default 0. */
  port?: number;
  /** Say "421 Timeout" and close a connection idle this long (smtp-server's default is 60 s). */
  idleTimeoutMs?: number;
}

/** A running test SMTP server. */
export interface TestSmtpServer {
  port: number;
  /** Every accepted message, in order of acceptance. */
  received: ReceivedMessage[];
  /** The rules in force (tests may change them between sends). */
  rules: ReplyRule[];
  /** Connections accepted so far. */
  connections: () => number;
  /** Connections open now. */
  open: () => number;
  /** A relay URL for this server: smtp://[user:pass@]127.0.0.1:port?query. */
  url: (query?: Record<string, string | number | boolean>, creds?: { user: string; pass: string }) => string;
  /** Stop listening and drop every open connection at once. */
  stop: () => Promise<void>;
}

/** Start a test SMTP server. */
export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMessage[] = [];
  const rules = opts.rules ?? [];
  const hits = new Map<ReplyRule, number>();
  let count = 0;
  const connNo = new Map<string, number>();
  const users = new Map<string, string>();

  const applies = (r: ReplyRule, addr: string, at: 'rcpt' | 'data'): boolean => {
    if ((r.at ?? 'rcpt') !== at || !r.match.test(addr)) return false;
    const n = hits.get(r) ?? 0;
    if (r.times !== undefined && n >= r.times) return false;
    hits.set(r, n + 1);
    return true;
  };
  const refusal = (code: number, message: string): Error => Object.assign(new Error(message), { responseCode: code });
  const dropSession = (session: SMTPServerSession): void => {
    for (const c of server.connections as Set<{ id: string; _socket?: { destroy: () => void } }>) if (c.id === session.id) c._socket?.destroy();
  };
  const act = (r: ReplyRule, session: SMTPServerSession, cb: (err?: Error | null) => void): void => {
    const go = (): void => {
      if (r.drop) dropSession(session);
      else cb(r.code ? refusal(r.code, r.message ?? 'refused by test rule') : null);
    };
    if (r.delayMs) setTimeout(go, r.delayMs).unref();
    else go();
  };

  const options: SMTPServerOptions = {
    disableReverseLookup: true, // no DNS here: a reverse lookup would delay every greeting by up to 1.5 s
    logger: false,
    closeTimeout: 50,
    banner: 'postflow test server',
    hidePIPELINING: opts.pipelining === false,
    hide8BITMIME: opts.eightBitMime === false,
    ...(opts.size ? { size: opts.size } : {}),
    ...(opts.idleTimeoutMs ? { socketTimeout: opts.idleTimeoutMs } : {}),
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert, secure: Boolean(opts.implicitTls) } : { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] }),
    ...(opts.auth
      ? { authMethods: opts.auth.methods ?? ['PLAIN', 'LOGIN'], authOptional: false, allowInsecureAuth: true }
      : { authOptional: true, disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), 'AUTH'] }),
    onConnect(session, cb) {
      count++;
      connNo.set(session.id, count);
      const r = opts.refuse;
      if (r && count <= r.connections) return cb(refusal(r.code ?? 421, r.message ?? '4.7.0 Too many connections, slow down'));
      cb();
    },
    onAuth(auth, session, cb) {
      const a = opts.auth;
      if (a && auth.username === a.user && auth.password === a.pass) {
        users.set(session.id, auth.username!);
        return cb(null, { user: auth.username });
      }
      cb(refusal(535, '5.7.8 Authentication credentials invalid'));
    },
    onRcptTo(addr, session, cb) {
      const r = rules.find((x) => applies(x, addr.address, 'rcpt'));
      if (r) return act(r, session, cb);
      cb();
    },
    onData(stream, session, cb) {
      const to = session.envelope.rcptTo.map((a) => a.address);
      const r = rules.find((x) => to.some((a) => applies(x, a, 'data')));
      const chunks: Buffer[] = [];
      let dropped = false;
      stream.on('data', (c: Buffer) => {
        chunks.push(c);
        if (r?.drop && !dropped) {
          dropped = true;
          dropSession(session);
        }
      });
      stream.on('end', () => {
        if (dropped) return;
        const finish = (err?: Error | null): void => {
          if (err) return cb(err);
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const mail = session.envelope.mailFrom as { args?: Record<string, string | true> } | false;
          const mailParams = { ...(mail ? mail.args ?? {} : {}) };
          received.push({ from, to, mailParams, raw: Buffer.concat(chunks), secure: session.secure, connection: connNo.get(session.id) ?? 0, ...(users.has(session.id) ? { user: users.get(session.id)! } : {}) });
          (cb as (err: Error | null, message: string) => void)(null, `2.0.0 Ok: queued as Q${received.length}`);
        };
        if (r && !r.drop) act(r, session, finish);
        else finish();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined); // a client dropping mid-command is part of several tests
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    received,
    rules,
    connections: () => count,
    open: () => server.connections.size,
    url: (query = {}, creds) => {
      const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
      const auth = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.pass)}@` : '';
      return `${opts.implicitTls ? 'smtps' : 'smtp'}://${auth}127.0.0.1:${port}${q ? `?${q}` : ''}`;
    },
    stop: () => new Promise<void>((resolve) => {
      for (const c of server.connections as Set<{ _socket?: { destroy: () => void } }>) c._socket?.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A self-signed certificate for localhost and 127.0.0.1, made now with the openssl CLI (null when absent). */
export function selfSignedCert(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'pf-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
