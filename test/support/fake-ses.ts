// Test support: the Amazon SES v2 REST JSON API's SendEmail (POST /v2/email/outbound-emails) on 127.0.0.1, port 0.
// Every request must carry a well-formed SigV4 Authorization header scoped to the `ses` service; when the fake
// knows the access key's secret it verifies the signature itself. Errors are AWS's: the `x-amzn-ErrorType`
// header naming the exception and a JSON body {"message": …}. Tests script errors per recipient and count calls.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A message SES accepted. */
export interface SesSentMessage {
  messageId: string;
  raw: Buffer;
  envelope: { from: string; to: string[] };
  parsed: ParsedMail | null;
  accessKeyId: string;
  region: string;
}

/** SES v2 exceptions a test can script by name (with the status and a message like AWS's). */
export type SesErrorName =
  | 'TooManyRequestsException' | 'LimitExceededException' | 'MessageRejected' | 'MailFromDomainNotVerifiedException'
  | 'AccountSuspendedException' | 'SendingPausedException' | 'BadRequestException' | 'NotFoundException'
  | 'InternalFailure' | 'ServiceUnavailable';

const NAMED: Record<SesErrorName, { status: number; message: string }> = {
  TooManyRequestsException: { status: 429, message: 'Maximum sending rate exceeded.' },
  LimitExceededException: { status: 400, message: 'Daily message quota exceeded.' },
  MessageRejected: { status: 400, message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: app@postflow.test' },
  MailFromDomainNotVerifiedException: { status: 400, message: 'The MAIL FROM domain of the sending identity is not verified.' },
  AccountSuspendedException: { status: 400, message: 'Your account has been suspended. Email sending is disabled.' },
  SendingPausedException: { status: 400, message: 'Email sending is paused for this account.' },
  BadRequestException: { status: 400, message: 'Invalid request.' },
  NotFoundException: { status: 404, message: 'Configuration set <missing> does not exist.' },
  InternalFailure: { status: 500, message: 'The request processing has failed because of an unknown error, exception or failure.' },
  ServiceUnavailable: { status: 503, message: 'The request has failed due to a temporary failure of the server.' },
};

/** An AWS error answer. */
export interface SesErrorAnswer {
  status: number;
  type: string;
  message: string;
}

/** A scripted answer. */
export interface SesScript {
  /** Only messages with a recipient matching this. */
  to?: RegExp;
  error?: SesErrorName | SesErrorAnswer;
  delayMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Apply to the next N matching requests only (default: until cleared). */
  times?: number;
}

/** The running fake. */
export interface FakeSes {
  /** The endpoint to give the SDK. */
  url: string;
  sent: SesSentMessage[];
  /** SendEmail requests received (any outcome). */
  calls(): number;
  /** The most SendEmail requests in progress at once since the start. */
  peakConcurrent(): number;
  script(s: SesScript): () => void;
  clear(): void;
  openConnections(): number;
  stop(): Promise<void>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Start the fake. `credentials` maps access key ids to secrets: known keys get their signature verified. */
export async function startFakeSes(opts: { credentials?: Record<string, string>; parse?: boolean } = {}): Promise<FakeSes> {
  const secrets = opts.credentials ?? {};
  const parse = opts.parse ?? true;
  const sent: SesSentMessage[] = [];
  const scripts: Array<SesScript & { left: number }> = [];
  const sockets = new Set<Socket>();
  let calls = 0;
  let inFlight = 0;
  let peak = 0;

  const reply = (res: ServerResponse, status: number, body: unknown, type?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
    if (type) headers['x-amzn-errortype'] = `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`;
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, a: SesErrorAnswer) => reply(res, a.status, { message: a.message }, a.type);

  // SigV4 (the AWS General Reference's "Create a signed AWS API request"): well-formed, scoped to ses, and,
  // for a known access key, the signature recomputed over the canonical request.
  function checkSignature(req: IncomingMessage, body: Buffer): SesErrorAnswer | { accessKeyId: string; region: string } {
    const auth = req.headers.authorization;
    if (!auth) return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const m = AUTH.exec(auth);
    if (!m) return { status: 400, type: 'IncompleteSignatureException', message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${auth.split(' ')[0]}` };
    const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
    if (service !== 'ses') return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: 'ses'.` };
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date!)) return { status: 400, type: 'IncompleteSignatureException', message: 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP' };
    const signed = signedHeaders!.split(';');
    if (!signed.includes('host') || !signed.includes('x-amz-date')) return { status: 403, type: 'InvalidSignatureException', message: "'Host' and 'X-Amz-Date' must be signed" };
    const secret = secrets[keyId!];
    if (secret === undefined) {
      if (Object.keys(secrets).length > 0) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
      return { accessKeyId: keyId!, region: region! };
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const query = [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&');
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const payloadHash = typeof req.headers['x-amz-content-sha256'] === 'string' ? req.headers['x-amz-content-sha256'] : sha256(body);
    const canonical = [req.method, url.pathname, query, headers, signedHeaders, payloadHash].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
    if (createHmac('sha256', key).update(toSign).digest('hex') !== signature) {
      return { status: 403, type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' };
    }
    return { accessKeyId: keyId!, region: region! };
  }

  async function sendEmail(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    calls++;
    const who = checkSignature(req, body);
    if ('status' in who) return fail(res, who);
    let doc: { FromEmailAddress?: unknown; Destination?: { ToAddresses?: unknown; CcAddresses?: unknown; BccAddresses?: unknown }; Content?: { Raw?: { Data?: unknown } } };
    try {
      doc = JSON.parse(body.toString());
    } catch {
      return fail(res, { status: 400, type: 'SerializationException', message: 'Unexpected content.' });
    }
    const data = doc.Content?.Raw?.Data;
    if (typeof data !== 'string' || data === '') return fail(res, { status: 400, type: 'BadRequestException', message: 'Raw message data is required.' });
    const raw = Buffer.from(data, 'base64');
    const head = raw.toString('latin1', 0, Math.min(raw.length, 64 * 1024)).split(/\r?\n\r?\n/)[0] ?? '';
    const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
    const listed = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    const d = doc.Destination;
    const to = d ? [...listed(d.ToAddresses), ...listed(d.CcAddresses), ...listed(d.BccAddresses)] : header('To').split(',').map((s) => s.trim()).filter(Boolean);
    const from = typeof doc.FromEmailAddress === 'string' ? doc.FromEmailAddress : header('From');
    if (!from) return fail(res, { status: 400, type: 'BadRequestException', message: 'Missing required header \'From\'.' });
    if (to.length === 0) return fail(res, { status: 400, type: 'BadRequestException', message: 'Missing final \'@domain\'' });
    const s = scripts.find((x) => !x.to || to.some((a) => x.to!.test(a)));
    if (s && --s.left <= 0) scripts.splice(scripts.indexOf(s), 1);
    if (s?.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
    if (s?.drop) {
      req.socket.destroy();
      return;
    }
    if (s?.error) return fail(res, typeof s.error === 'string' ? { type: s.error, ...NAMED[s.error] } : s.error);
    const messageId = `0100${randomBytes(6).toString('hex')}-${randomUUID()}-000000`;
    sent.push({ messageId, raw, envelope: { from, to }, parsed: parse ? await simpleParser(raw) : null, accessKeyId: who.accessKeyId, region: who.region });
    reply(res, 200, { MessageId: messageId });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method !== 'POST' || path !== '/v2/email/outbound-emails') {
        return fail(res, { status: 404, type: 'UnknownOperationException', message: `No operation at ${req.method} ${path}` });
      }
      peak = Math.max(peak, ++inFlight);
      res.on('close', () => inFlight--);
      sendEmail(req, res, Buffer.concat(chunks)).catch((err) => {
        if (!res.headersSent) fail(res, { status: 500, type: 'InternalFailure', message: `fake: ${(err as Error).message}` });
      });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    url,
    sent,
    calls: () => calls,
    peakConcurrent: () => peak,
    script(s) {
      const active = { ...s, left: s.times ?? Number.POSITIVE_INFINITY };
      scripts.push(active);
      return () => {
        const i = scripts.indexOf(active);
        if (i >= 0) scripts.splice(i, 1);
      };
    },
    clear() {
      scripts.length = 0;
    },
    openConnections: () => sockets.size,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
