// Test support: one HTTP server on 127.0.0.1, port 0, that speaks Google's protocol for what Postflow uses:
// the OAuth 2.0 token endpoint (JWT-bearer grant; the RS256 signature is verified against the public key of the
// registered service account, and iss, sub, scope, aud, iat and exp are checked), Gmail `users.messages.send`
// (bearer token of that user with a send scope; base64url `raw` decoded and parsed with mailparser) and the
// Admin SDK `users.list` (admins only, paged with maxResults and nextPageToken). Error answers are Google's
// documents (fake-google-errors.ts). Tests script failures per user, count calls, and can revoke tokens.
import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Clock } from '../../src/ports/clock.js';
import type { ServiceAccountKey } from '../../src/ports/google.js';
import {
  BAD_TIMES, INVALID_SIGNATURE, INVALID_USER, UNAUTHORIZED_CLIENT, gmailError, googleError, oauthError, unauthenticated,
  type GmailErrorKind, type GoogleErrorAnswer,
} from './fake-google-errors.js';

export type { GmailErrorKind } from './fake-google-errors.js';

/** A key file as Google Cloud downloads it. */
export type ServiceAccountKeyFile = ServiceAccountKey & { private_key_id: string; project_id: string; client_id: string; [extra: string]: string };

/** A message Gmail accepted. */
export interface SentMessage {
  user: string;
  raw: Buffer;
  /** Null when the fake was started with `parse: false`. */
  parsed: ParsedMail | null;
  id: string;
  threadId: string;
  at: number;
}

/** A user of the fake Workspace directory (its domain is the part after @). */
export interface FakeUser {
  primaryEmail: string;
  suspended?: boolean;
  archived?: boolean;
  isAdmin?: boolean;
  givenName?: string;
  familyName?: string;
}

/** A scripted Gmail answer: for whom, what, how often. */
export interface GmailScript {
  /** Only sends as this user (default: every user). */
  user?: string;
  /** Only messages whose To header matches. */
  to?: RegExp;
  /** A named Google error, or any answer. */
  error?: GmailErrorKind | GoogleErrorAnswer;
  /** The time quota errors name in "Retry after" (default: 24 h from now for mailSending, 60 s otherwise). */
  retryAt?: number;
  /** Answer only after this long (with `error`, or the normal answer). */
  delayMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Apply to the next N matching sends only (default: until cleared). */
  times?: number;
}

/** The running fake. */
export interface FakeGoogle {
  /** Root for both the Gmail API and the Admin SDK (POSTFLOW_GOOGLE_API_URL). */
  url: string;
  /** The token endpoint (POSTFLOW_GOOGLE_TOKEN_URL), also the `aud` assertions must carry. */
  tokenUrl: string;
  /** Messages accepted, in order. */
  sent: SentMessage[];
  /** Accept assertions signed by this key; domain-wide delegation covers `scopes` (default gmail.send + directory read). */
  addServiceAccount(key: ServiceAccountKey, opts?: { scopes?: string[] }): void;
  /** Add users to the directory (they may be impersonated by any registered service account). */
  addUsers(users: FakeUser[]): void;
  /** Cap a user's accepted sends per rolling 24 h; over it, Gmail answers 429 "(Mail sending)". Null removes it. */
  setDailyLimit(user: string, limit: number | null): void;
  /** Script Gmail answers; returns a function that removes this script. */
  script(s: GmailScript): () => void;
  /** Answer the token endpoint's next `times` requests (default: until cleared) with `answer`. */
  failTokens(answer: GoogleErrorAnswer, times?: number): void;
  /** Remove every script and token failure. */
  clear(): void;
  /** Invalidate every access token issued so far (the next API call with one gets 401). */
  revokeTokens(): void;
  /** Send requests received for `user` (any outcome), or for everyone. */
  sendCalls(user?: string): number;
  /** Access tokens issued for `user` (the assertion's sub), or for everyone. */
  tokenGrants(user?: string): number;
  /** The most send requests for `user` (as in the path) that were in progress at once since the start. */
  peakConcurrentSends(user: string): number;
  /** Every users.list request: who asked, maxResults, page token. */
  directoryCalls: Array<{ admin: string; maxResults: number; pageToken: string | null }>;
  openConnections(): number;
  stop(): Promise<void>;
}

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SEND_SCOPES = new Set(['https://www.googleapis.com/auth/gmail.send', 'https://www.googleapis.com/auth/gmail.compose', 'https://www.googleapis.com/auth/gmail.modify', 'https://mail.google.com/']);
const DIRECTORY_SCOPES = new Set(['https://www.googleapis.com/auth/admin.directory.user.readonly', 'https://www.googleapis.com/auth/admin.directory.user']);
const DEFAULT_SCOPES = ['https://www.googleapis.com/auth/gmail.send', 'https://www.googleapis.com/auth/admin.directory.user.readonly'];
const SEND_PATH = /^\/gmail\/v1\/users\/([^/]+)\/messages\/send$/;

/** A service-account key file with a fresh RSA 2048 key pair, shaped like the ones Google Cloud hands out. */
export function makeServiceAccountKey(opts: { clientEmail?: string; projectId?: string } = {}): ServiceAccountKeyFile {
  const projectId = opts.projectId ?? 'postflow-test';
  const clientEmail = opts.clientEmail ?? `sender-${randomBytes(3).toString('hex')}@${projectId}.iam.gserviceaccount.com`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: String(100_000_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6))),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
}

interface Account {
  publicKey: KeyObject;
  kid?: string;
  scopes: Set<string>;
}

interface Token {
  user: string;
  scopes: Set<string>;
  expiresAt: number;
}

interface ActiveScript extends GmailScript {
  left: number;
}

/** Start the fake. `tokenLifetimeSec` is the `expires_in` it grants (Google: 3600); `parse: false` skips mailparser. */
export async function startFakeGoogle(opts: { clock?: Clock; tokenLifetimeSec?: number; parse?: boolean } = {}): Promise<FakeGoogle> {
  const clock = opts.clock ?? { now: () => Date.now() };
  const lifetime = opts.tokenLifetimeSec ?? 3600;
  const parse = opts.parse ?? true;
  const accounts = new Map<string, Account>();
  const users = new Map<string, FakeUser>();
  const tokens = new Map<string, Token>();
  const limits = new Map<string, number>();
  const scripts: ActiveScript[] = [];
  const tokenFailures: Array<{ answer: GoogleErrorAnswer; left: number }> = [];
  const sendCounts = new Map<string, number>();
  const grantCounts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  const sockets = new Set<Socket>();
  const sent: SentMessage[] = [];
  const directoryCalls: FakeGoogle['directoryCalls'] = [];
  let base = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const answer = (res: ServerResponse, a: GoogleErrorAnswer) => json(res, a.status, a.body, a.headers);
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  function grantToken(form: URLSearchParams): GoogleErrorAnswer | { status: 200; body: unknown } {
    const failure = tokenFailures[0];
    if (failure) {
      if (--failure.left <= 0) tokenFailures.shift();
      return failure.answer;
    }
    if (form.get('grant_type') !== GRANT) return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
    const assertion = form.get('assertion');
    if (!assertion) return oauthError(400, 'invalid_request', 'Missing required parameter: assertion');
    const parts = assertion.split('.');
    if (parts.length !== 3) return INVALID_SIGNATURE();
    let header: { alg?: string; kid?: string };
    let claims: { iss?: string; sub?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
    } catch {
      return INVALID_SIGNATURE();
    }
    const account = claims.iss ? accounts.get(claims.iss) : undefined;
    if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    if (header.alg !== 'RS256' || (header.kid !== undefined && header.kid !== account.kid)) return INVALID_SIGNATURE();
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), account.publicKey, Buffer.from(parts[2]!, 'base64url'))) return INVALID_SIGNATURE();
    if (claims.aud !== base + '/token') return oauthError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${base}/token`);
    const now = Math.floor(clock.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= now || iat > now + 300) return BAD_TIMES();
    const scopes = (claims.scope ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return oauthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
    let user = claims.iss!;
    if (claims.sub !== undefined) {
      const u = users.get(claims.sub.toLowerCase());
      if (!u || u.suspended) return INVALID_USER();
      if (!scopes.every((s) => account.scopes.has(s))) return UNAUTHORIZED_CLIENT();
      user = u.primaryEmail;
    }
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { user, scopes: new Set(scopes), expiresAt: clock.now() + lifetime * 1000 });
    bump(grantCounts, user.toLowerCase());
    return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: 'Bearer' } };
  }

  function bearer(req: IncomingMessage): Token | null {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const t = m ? tokens.get(m[1]!) : undefined;
    if (!t || t.expiresAt <= clock.now()) return null;
    return t;
  }

  function takeScript(user: string, to: string): ActiveScript | null {
    for (let i = 0; i < scripts.length; i++) {
      const s = scripts[i]!;
      if (s.user && s.user.toLowerCase() !== user) continue;
      if (s.to && !s.to.test(to)) continue;
      if (--s.left <= 0) scripts.splice(i, 1);
      return s;
    }
    return null;
  }

  async function send(req: IncomingMessage, res: ServerResponse, pathUser: string, body: Buffer): Promise<void> {
    bump(sendCounts, pathUser);
    const t = bearer(req);
    if (!t) return answer(res, unauthenticated());
    if (![...t.scopes].some((s) => SEND_SCOPES.has(s))) return answer(res, gmailError('insufficientPermissions', 0));
    if (pathUser !== 'me' && pathUser !== t.user.toLowerCase()) return answer(res, googleError(403, `Delegation denied for ${t.user}`, 'forbidden', 'global', 'PERMISSION_DENIED'));
    const user = t.user;
    let raw: Buffer | null = null;
    let doc: { raw?: unknown } = {};
    try {
      doc = JSON.parse(body.toString());
    } catch {
      return answer(res, googleError(400, 'Invalid JSON payload received. Unexpected token.', 'invalid', 'global', 'INVALID_ARGUMENT'));
    }
    if (typeof doc.raw !== 'string' || doc.raw === '') return answer(res, googleError(400, "'raw' RFC822 payload message string or uploading message via /upload/* URL required", 'invalidArgument', 'global', 'INVALID_ARGUMENT'));
    if (!/^[A-Za-z0-9_-]*={0,2}$/.test(doc.raw)) return answer(res, googleError(400, "Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed", 'invalid', 'global', 'INVALID_ARGUMENT'));
    raw = Buffer.from(doc.raw, 'base64url');
    const head = raw.toString('latin1', 0, Math.min(raw.length, 64 * 1024)).split(/\r?\n\r?\n/)[0] ?? '';
    const to = /^To:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
    const s = takeScript(user.toLowerCase(), to);
    if (s?.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
    if (s?.drop) {
      req.socket.destroy();
      return;
    }
    if (s?.error) {
      const a = typeof s.error === 'string' ? gmailError(s.error, s.retryAt ?? clock.now() + (s.error === 'mailSending' ? 24 * 3600_000 : 60_000)) : s.error;
      return answer(res, a);
    }
    const limit = limits.get(user.toLowerCase());
    if (limit !== undefined) {
      const since = clock.now() - 24 * 3600_000;
      const mine = sent.filter((m) => m.user === user && m.at > since);
      if (mine.length >= limit) return answer(res, gmailError('mailSending', mine[0]!.at + 24 * 3600_000));
    }
    let parsed: ParsedMail | null = null;
    if (parse) {
      parsed = await simpleParser(raw);
      const addresses = [parsed.to, parsed.cc, parsed.bcc].flatMap((a) => (a ? (Array.isArray(a) ? a : [a]) : [])).flatMap((a) => a.value).filter((v) => v.address);
      if (addresses.length === 0) return answer(res, to.trim() ? gmailError('invalidTo', 0) : googleError(400, 'Recipient address required', 'invalidArgument', 'global', 'INVALID_ARGUMENT'));
    }
    const id = randomBytes(8).toString('hex');
    sent.push({ user, raw, parsed, id, threadId: id, at: clock.now() });
    json(res, 200, { id, threadId: id, labelIds: ['SENT'] });
  }

  function listUsers(req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void {
    const t = bearer(req);
    if (!t) return answer(res, unauthenticated());
    if (![...t.scopes].some((s) => DIRECTORY_SCOPES.has(s))) return answer(res, gmailError('insufficientPermissions', 0));
    const admin = users.get(t.user.toLowerCase());
    if (!admin?.isAdmin) return answer(res, googleError(403, 'Not Authorized to access this resource/api', 'forbidden'));
    const domain = q.get('domain') ?? (q.get('customer') === 'my_customer' ? admin.primaryEmail.split('@')[1] : null);
    if (!domain) return answer(res, googleError(400, 'Bad Request', 'badRequest'));
    const maxResults = q.has('maxResults') ? Number(q.get('maxResults')) : 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 500) return answer(res, googleError(400, `Invalid value '${q.get('maxResults')}'. Values must be within the range: [1, 500]`, 'invalid'));
    const pageToken = q.get('pageToken');
    directoryCalls.push({ admin: admin.primaryEmail, maxResults, pageToken });
    let offset = 0;
    if (pageToken) {
      const o = Number(Buffer.from(pageToken, 'base64url').toString().replace(/^offset:/, ''));
      if (!Number.isInteger(o) || o < 0) return answer(res, googleError(400, 'Invalid Input: pageToken', 'invalid'));
      offset = o;
    }
    const all = [...users.values()].filter((u) => u.primaryEmail.toLowerCase().endsWith(`@${domain.toLowerCase()}`)).sort((a, b) => a.primaryEmail.localeCompare(b.primaryEmail));
    const page = all.slice(offset, offset + maxResults).map((u, i) => ({
      kind: 'admin#directory#user',
      id: String(100_000_000_000_000_000_000n + BigInt(offset + i)),
      primaryEmail: u.primaryEmail,
      name: { givenName: u.givenName ?? '', familyName: u.familyName ?? '', fullName: [u.givenName, u.familyName].filter(Boolean).join(' ') },
      isAdmin: u.isAdmin ?? false,
      isDelegatedAdmin: false,
      suspended: u.suspended ?? false,
      archived: u.archived ?? false,
      orgUnitPath: '/',
      customerId: 'C00fake00',
    }));
    const more = offset + maxResults < all.length;
    json(res, 200, {
      kind: 'admin#directory#users',
      etag: `"${randomBytes(8).toString('hex')}"`,
      ...(page.length ? { users: page } : {}),
      ...(more ? { nextPageToken: Buffer.from(`offset:${offset + maxResults}`).toString('base64url') } : {}),
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', base);
      const sendMatch = SEND_PATH.exec(url.pathname);
      const route = async () => {
        if (req.method === 'POST' && url.pathname === '/token') {
          const a = grantToken(new URLSearchParams(body.toString()));
          return json(res, a.status, a.body);
        }
        if (req.method === 'POST' && sendMatch) {
          const who = decodeURIComponent(sendMatch[1]!).toLowerCase();
          const now = (inFlight.get(who) ?? 0) + 1;
          inFlight.set(who, now);
          peaks.set(who, Math.max(peaks.get(who) ?? 0, now));
          res.on('close', () => inFlight.set(who, inFlight.get(who)! - 1));
          return send(req, res, who, body);
        }
        if (req.method === 'GET' && url.pathname === '/admin/directory/v1/users') return listUsers(req, res, url.searchParams);
        answer(res, googleError(404, 'Method not found.', 'notFound', 'global', 'NOT_FOUND'));
      };
      route().catch((err) => {
        if (!res.headersSent) answer(res, googleError(500, `fake: ${(err as Error).message}`, 'backendError', 'global', 'INTERNAL'));
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    url: base,
    tokenUrl: `${base}/token`,
    sent,
    directoryCalls,
    addServiceAccount(key, o = {}) {
      const publicKey = createPublicKey(key.private_key);
      accounts.set(key.client_email, { publicKey, kid: key.private_key_id, scopes: new Set(o.scopes ?? DEFAULT_SCOPES) });
    },
    addUsers(list) {
      for (const u of list) users.set(u.primaryEmail.toLowerCase(), u);
    },
    setDailyLimit(user, limit) {
      if (limit === null) limits.delete(user.toLowerCase());
      else limits.set(user.toLowerCase(), limit);
    },
    script(s) {
      const active: ActiveScript = { ...s, left: s.times ?? Number.POSITIVE_INFINITY };
      scripts.push(active);
      return () => {
        const i = scripts.indexOf(active);
        if (i >= 0) scripts.splice(i, 1);
      };
    },
    failTokens(a, times = Number.POSITIVE_INFINITY) {
      tokenFailures.push({ answer: a, left: times });
    },
    clear() {
      scripts.length = 0;
      tokenFailures.length = 0;
    },
    revokeTokens() {
      tokens.clear();
    },
    sendCalls: (user) => (user ? sendCounts.get(user.toLowerCase()) ?? 0 : [...sendCounts.values()].reduce((a, b) => a + b, 0)),
    tokenGrants: (user) => (user ? grantCounts.get(user.toLowerCase()) ?? 0 : [...grantCounts.values()].reduce((a, b) => a + b, 0)),
    peakConcurrentSends: (user) => peaks.get(user.toLowerCase()) ?? 0,
    openConnections: () => sockets.size,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
