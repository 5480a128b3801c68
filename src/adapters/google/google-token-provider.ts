import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../../ports/clock.js';
import type { ServiceAccountKey } from '../../ports/google.js';
import { GOOGLE_TOKEN_URL } from './google-endpoints.js';
import { HttpRequestError, httpClientFor, type FetchFn, type HttpClient } from './google-http.js';
import { signAssertion } from './service-account-jwt.js';

/** How the token provider reaches Google. */
export interface TokenProviderOptions {
  /** The token endpoint; default Google's (POSTFLOW_GOOGLE_TOKEN_URL overrides it). Also the assertion's `aud`. */
  tokenUrl?: string;
  /** Send through this fetch instead of node:http(s). */
  fetch?: FetchFn;
  clock?: Clock;
  /** Deadline of one token request (default 10 s). */
  timeoutMs?: number;
}

/** Google refused to issue an access token, or could not be reached (`status` 0). The message says what to fix. */
export class GoogleTokenError extends Error {
  constructor(readonly status: number, readonly oauthError: string | undefined, readonly description: string | undefined, message: string) {
    super(message);
    this.name = 'GoogleTokenError';
  }
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more (shortly before Google's expiry). */
  refreshAt: number;
}

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_CACHED = 20_000;

/**
 * Access tokens for service accounts impersonating Workspace users (domain-wide delegation): a signed RS256
 * assertion exchanged at the token endpoint. Tokens are cached per (client_email, user, scope) until a minute
 * (or a tenth of their life, if shorter) before they expire; concurrent requests for the same token share one
 * exchange. One instance serves every sender of every service account.
 */
export class GoogleTokenProvider {
  readonly tokenUrl: string;
  /** Exchanges made at the token endpoint so far (for metrics and tests). */
  exchanges = 0;
  private readonly http: HttpClient;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly keyObjects = new Map<string, KeyObject>();

  constructor(opts: TokenProviderOptions = {}) {
    this.tokenUrl = opts.tokenUrl ?? GOOGLE_TOKEN_URL;
    this.http = httpClientFor(opts.fetch);
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** A valid access token for `subject` with `scope`; throws GoogleTokenError when Google refuses. */
  async accessToken(key: ServiceAccountKey, subject: string, scope: string): Promise<string> {
    const id = cacheKey(key, subject, scope);
    const hit = this.cache.get(id);
    if (hit && this.clock.now() < hit.refreshAt) return hit.token;
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.exchange(key, subject, scope).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    const fresh = await pending;
    return fresh.token;
  }

  /** Forget `token` (Google answered 401 with it), so the next request gets a new one; a newer token is kept. */
  invalidate(key: ServiceAccountKey, subject: string, scope: string, token: string): void {
    const id = cacheKey(key, subject, scope);
    if (this.cache.get(id)?.token === token) this.cache.delete(id);
  }

  private async exchange(key: ServiceAccountKey, subject: string, scope: string): Promise<CachedToken> {
    const started = this.clock.now();
    const assertion = signAssertion(key, { sub: subject, scope, aud: this.tokenUrl, iat: Math.floor(started / 1000) }, this.keyObject(key));
    this.exchanges++;
    let answer;
    try {
      answer = await this.http(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: GRANT, assertion }).toString(),
      }, this.timeoutMs);
    } catch (err) {
      const why = err instanceof HttpRequestError ? err.message : String(err);
      throw new GoogleTokenError(0, undefined, undefined, `no access token for ${subject}: token endpoint ${why}`);
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      body = JSON.parse(answer.text);
    } catch {
      // Not JSON (a proxy page): reported below with the status.
    }
    if (answer.status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      throw tokenRefusal(answer.status, body, key, subject, scope);
    }
    const lifeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    const cached = { token: body.access_token, refreshAt: started + lifeMs - Math.min(60_000, lifeMs / 10) };
    if (this.cache.size >= MAX_CACHED) this.prune();
    this.cache.set(cacheKey(key, subject, scope), cached);
    return cached;
  }

  private keyObject(key: ServiceAccountKey): KeyObject {
    let k = this.keyObjects.get(key.private_key);
    if (!k) {
      if (this.keyObjects.size >= 1000) this.keyObjects.clear();
      k = createPrivateKey(key.private_key);
      this.keyObjects.set(key.private_key, k);
    }
    return k;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, t] of this.cache) if (t.refreshAt <= now) this.cache.delete(id);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
  }
}

function cacheKey(key: ServiceAccountKey, subject: string, scope: string): string {
  return `${key.client_email}\n${subject.toLowerCase()}\n${scope}`;
}

// Google's token endpoint answers {"error": "...", "error_description": "..."}; the two refusals an operator
// meets in practice get a sentence saying what to change.
function tokenRefusal(status: number, body: { error?: unknown; error_description?: unknown }, key: ServiceAccountKey, subject: string, scope: string): GoogleTokenError {
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const said = `${status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
  let advice: string;
  if (error === 'unauthorized_client') {
    advice = `domain-wide delegation is missing: in the Admin console (Security › API controls › Domain-wide delegation) allow client ID ${key.client_id ?? key.client_email} the scope ${scope}`;
  } else if (error === 'invalid_grant' && /invalid email or user id/i.test(description ?? '')) {
    advice = `${subject} is not a user of the Workspace domain that delegated to ${key.client_email}`;
  } else if (error === 'invalid_grant' && /iat|exp|timeframe/i.test(description ?? '')) {
    advice = 'the assertion\'s time was refused: check this machine\'s clock';
  } else if (error === 'invalid_grant') {
    advice = `the key of ${key.client_email} was refused (deleted or disabled key?)`;
  } else if (status === 200) {
    advice = 'the token endpoint answered without an access_token';
  } else {
    advice = 'the token endpoint refused the request';
  }
  return new GoogleTokenError(status, error, description, `no access token for ${subject}: ${advice} (Google: ${said})`);
}
