import type { DirectoryClient, DirectoryUser, ServiceAccountKey } from '../../ports/google.js';
import { ADMIN_API_URL, DIRECTORY_USER_READONLY_SCOPE, trimRoot } from './google-endpoints.js';
import { GoogleApiError, parseGoogleError } from './google-error.js';
import { httpClientFor, type FetchFn, type HttpClient } from './google-http.js';
import type { GoogleTokenProvider } from './google-token-provider.js';

/** How the directory client reaches Google. */
export interface DirectoryClientOptions {
  tokens: GoogleTokenProvider;
  /** Root of the Admin SDK; default Google's (POSTFLOW_GOOGLE_API_URL overrides it). */
  apiUrl?: string;
  /** Send through this fetch instead of node:http(s). */
  fetch?: FetchFn;
  /** Deadline of one page request (default 30 s). */
  timeoutMs?: number;
  /** Users per page, 1–500 (default 500, the most Google gives). */
  pageSize?: number;
  /** Pages read at most before giving up (default 2,000 = a million users at 500 a page). */
  maxPages?: number;
}

interface ApiUser {
  primaryEmail?: unknown;
  suspended?: unknown;
  archived?: unknown;
  isAdmin?: unknown;
  name?: { fullName?: unknown };
}

/**
 * The Admin SDK Directory API `users.list` for the whole account (`customer=my_customer`), impersonating an
 * administrator with the read-only user scope, following `nextPageToken` to the last page. A token refused
 * with 401 mid-way is renewed once. Errors carry Google's status and message (GoogleApiError, GoogleTokenError).
 */
export class GoogleDirectoryClient implements DirectoryClient {
  private readonly apiUrl: string;
  private readonly http: HttpClient;
  private readonly timeoutMs: number;
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(private readonly opts: DirectoryClientOptions) {
    this.apiUrl = trimRoot(opts.apiUrl ?? ADMIN_API_URL);
    this.http = httpClientFor(opts.fetch);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.pageSize = Math.min(500, Math.max(1, opts.pageSize ?? 500));
    this.maxPages = opts.maxPages ?? 2000;
  }

  async listUsers(key: ServiceAccountKey, adminEmail: string): Promise<DirectoryUser[]> {
    const users: DirectoryUser[] = [];
    const seen = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const body = await this.page(key, adminEmail, pageToken);
      for (const u of body.users ?? []) {
        const user = toDirectoryUser(u);
        if (user) users.push(user);
      }
      const next = typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
      if (!next) return users;
      // A token seen before would loop for ever: stop rather than list the same users again.
      if (seen.has(next)) throw new Error(`directory listing for ${adminEmail}: Google repeated a page token; stopped after ${users.length} users`);
      seen.add(next);
      pageToken = next;
    }
    throw new Error(`directory listing for ${adminEmail}: more than ${this.maxPages} pages of ${this.pageSize} users; stopped`);
  }

  private async page(key: ServiceAccountKey, adminEmail: string, pageToken: string | undefined): Promise<{ users?: ApiUser[]; nextPageToken?: unknown }> {
    const q = new URLSearchParams({ customer: 'my_customer', maxResults: String(this.pageSize) });
    if (pageToken) q.set('pageToken', pageToken);
    const url = `${this.apiUrl}/admin/directory/v1/users?${q.toString()}`;
    const { tokens } = this.opts;
    let token = await tokens.accessToken(key, adminEmail, DIRECTORY_USER_READONLY_SCOPE);
    let answer = await this.http(url, { method: 'GET', headers: { authorization: `Bearer ${token}` } }, this.timeoutMs);
    if (answer.status === 401) {
      tokens.invalidate(key, adminEmail, DIRECTORY_USER_READONLY_SCOPE, token);
      token = await tokens.accessToken(key, adminEmail, DIRECTORY_USER_READONLY_SCOPE);
      answer = await this.http(url, { method: 'GET', headers: { authorization: `Bearer ${token}` } }, this.timeoutMs);
    }
    if (answer.status !== 200) throw new GoogleApiError(answer.status, parseGoogleError(answer.status, answer.text), `directory listing as ${adminEmail}`);
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new Error(`directory listing as ${adminEmail}: Google answered 200 with a body that is not JSON`);
    }
  }
}

function toDirectoryUser(u: ApiUser): DirectoryUser | null {
  if (typeof u?.primaryEmail !== 'string' || u.primaryEmail === '') return null;
  const fullName = typeof u.name?.fullName === 'string' && u.name.fullName !== '' ? u.name.fullName : null;
  return { primaryEmail: u.primaryEmail, suspended: u.suspended === true, archived: u.archived === true, fullName, isAdmin: u.isAdmin === true };
}
