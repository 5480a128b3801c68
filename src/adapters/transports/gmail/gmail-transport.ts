import type { Clock } from '../../../ports/clock.js';
import { systemClock } from '../../../ports/clock.js';
import type { ServiceAccountKey } from '../../../ports/google.js';
import type { OutgoingMessage, SendHooks, SendOutcome, Transport } from '../../../ports/transport.js';
import { GMAIL_API_URL, GMAIL_SEND_SCOPE, trimRoot } from '../../google/google-endpoints.js';
import { HttpRequestError, httpClientFor, type FetchFn, type HttpClient } from '../../google/google-http.js';
import type { GoogleTokenProvider } from '../../google/google-token-provider.js';
import { SendSlots } from '../send-slots.js';
import { classifyGmailFailure, type FailedOutcome } from './classify-gmail-failure.js';

/** One Workspace user to send as, and how to reach Gmail. */
export interface GmailTransportOptions {
  /** The service account with domain-wide delegation for `user`. */
  key: ServiceAccountKey;
  /** The Workspace user whose mailbox sends (the JWT's `sub`). */
  user: string;
  /** Root of the Gmail API; default Google's (POSTFLOW_GOOGLE_API_URL overrides it). */
  apiUrl?: string;
  /** Shared by every GmailTransport: it caches one token per user. */
  tokens: GoogleTokenProvider;
  /** Send through this fetch instead of node:http(s) (costs ~3× the CPU per send, see ADR 0015). */
  fetch?: FetchFn;
  /** Deadline of one send request (default 30 s). */
  timeoutMs?: number;
  /** Sends in flight at once for this user (default 5). */
  concurrency?: number;
  clock?: Clock;
}

interface TokenState {
  token: string;
}

/**
 * The gmail transport: sends as one Workspace user through `users.messages.send` with the finished bytes as
 * base64url `raw` (Gmail reads the recipients from the To/Cc/Bcc headers, not from the envelope). Up to
 * `concurrency` requests in flight; a 401 renews the token once and retries. Answers are classified by
 * classifyGmailFailure; quota answers carry a SenderSignal so routing can move the message to another sender.
 * The provider message id is Gmail's message `id`. Never throws for a message.
 */
export class GmailTransport implements Transport {
  readonly name = 'gmail';
  readonly user: string;
  private readonly url: string;
  private readonly http: HttpClient;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly slots: SendSlots;
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: GmailTransportOptions) {
    this.user = opts.user;
    this.url = `${trimRoot(opts.apiUrl ?? GMAIL_API_URL)}/gmail/v1/users/${encodeURIComponent(opts.user)}/messages/send`;
    this.http = httpClientFor(opts.fetch);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.clock = opts.clock ?? systemClock;
    this.slots = new SendSlots(opts.concurrency ?? 5);
  }

  sendBatch(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.resolve(messages.map(() => closedOutcome()));
    const run = this.run(messages, hooks);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Refuse new sends (transiently) and wait for the requests in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
  }

  private async run(messages: OutgoingMessage[], hooks?: SendHooks): Promise<SendOutcome[]> {
    // One token for the whole batch (cached across batches); if Google will not give one, no message can go.
    let state: TokenState;
    try {
      state = { token: await this.token() };
    } catch (err) {
      const failure = authFailure(err);
      return messages.map(() => failure);
    }
    return this.slots.sendEach(messages, (m) => this.sendOne(m, state), hooks);
  }

  private token(): Promise<string> {
    return this.opts.tokens.accessToken(this.opts.key, this.opts.user, GMAIL_SEND_SCOPE);
  }

  private async sendOne(m: OutgoingMessage, state: TokenState): Promise<SendOutcome> {
    if (this.closed) return closedOutcome();
    // base64url has no character JSON must escape: the body is built by concatenation, not JSON.stringify.
    const body = `{"raw":"${m.raw.toString('base64url')}"}`;
    try {
      let used = state.token;
      let answer = await this.post(body, used);
      if (answer.status === 401) {
        this.opts.tokens.invalidate(this.opts.key, this.opts.user, GMAIL_SEND_SCOPE, used);
        try {
          used = await this.token();
        } catch (err) {
          return authFailure(err);
        }
        state.token = used;
        answer = await this.post(body, used);
        if (answer.status === 401) {
          const f = classifyGmailFailure(401, answer.text, null, this.clock.now());
          return { ...f, response: `gmail auth failed for ${this.opts.user} after a token refresh: ${f.response}` };
        }
      }
      if (answer.status >= 200 && answer.status < 300) return accepted(answer.text, m);
      return classifyGmailFailure(answer.status, answer.text, answer.header('retry-after'), this.clock.now());
    } catch (err) {
      const why = err instanceof HttpRequestError ? err.message : (err as Error).message;
      return { ok: false, permanent: false, response: `gmail send failed: ${why}` };
    }
  }

  private post(body: string, token: string) {
    return this.http(this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }, this.timeoutMs);
  }
}

function accepted(text: string, m: OutgoingMessage): SendOutcome {
  let id: unknown;
  try {
    id = (JSON.parse(text) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  // A 2xx means Gmail took the message; without an id in the answer, the Message-ID still identifies it.
  if (typeof id === 'string' && id !== '') return { ok: true, providerMessageId: id, response: `gmail accepted as ${id}` };
  return { ok: true, providerMessageId: m.messageId, response: 'gmail accepted (no id in the answer)' };
}

function authFailure(err: unknown): FailedOutcome {
  const e = err as Error & { status?: number };
  const code = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  return { ok: false, permanent: false, ...(code ? { code } : {}), response: `gmail auth failed: ${e.message}` };
}

function closedOutcome(): SendOutcome {
  return { ok: false, permanent: false, response: 'gmail transport closed before the message could be sent' };
}
