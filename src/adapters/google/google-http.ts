import http from 'node:http';
import https from 'node:https';

/** A fetch function (the global one, or a test's). */
export type FetchFn = typeof fetch;

/** One request to a Google endpoint. */
export interface HttpRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A whole HTTP answer: status, headers and body text. */
export interface HttpAnswer {
  status: number;
  /** A response header by lower-case name, or null. */
  header(name: string): string | null;
  text: string;
}

/** Sends one request with a deadline covering the answer's body; throws HttpRequestError when no answer came. */
export type HttpClient = (url: string, init: HttpRequestInit, timeoutMs: number) => Promise<HttpAnswer>;

/** Why a request got no HTTP answer: it timed out, or the connection failed (refused, reset, DNS). */
export class HttpRequestError extends Error {
  constructor(readonly kind: 'timeout' | 'network', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpRequestError';
  }
}

/** The client to use: over `fetchFn` when one is given (tests, special setups), else node:http(s). */
export function httpClientFor(fetchFn?: FetchFn): HttpClient {
  return fetchFn ? fetchHttpClient(fetchFn) : nodeHttpClient();
}

/** A client over a fetch function. */
export function fetchHttpClient(fetchFn: FetchFn): HttpClient {
  return async (url, init, timeoutMs) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetchFn(url, { method: init.method, headers: init.headers, body: init.body, signal });
      const text = await res.text();
      return { status: res.status, header: (name) => res.headers.get(name), text };
    } catch (err) {
      if (signal.aborted) throw new HttpRequestError('timeout', `no answer from ${origin(url)} within ${timeoutMs} ms`, { cause: err });
      const e = err as Error & { cause?: { code?: string; message?: string } };
      throw new HttpRequestError('network', `could not reach ${origin(url)}: ${e.cause?.code ?? e.cause?.message ?? e.message}`, { cause: err });
    }
  };
}

let agents: { http: http.Agent; https: https.Agent } | null = null;

// Measured against the fake (ADR 0015): node:http with a keep-alive agent costs ~170 µs of CPU per send where
// Node 20's fetch costs ~550–750 µs. One pool per process, shared by every sender, created on first use.
// 256 sockets per origin is far above what Gmail's per-project quota (200 sends/s) keeps busy; idle sockets are
// closed after 4 s, before servers that drop idle connections at 5 s (Node's default) can race a new request.
function sharedAgents(): { http: http.Agent; https: https.Agent } {
  agents ??= {
    http: new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 }),
  };
  return agents;
}

/** A client over node:http / node:https with a process-wide keep-alive connection pool. */
export function nodeHttpClient(): HttpClient {
  return (url, init, timeoutMs) => new Promise<HttpAnswer>((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = (secure ? https : http).request(u, { method: init.method, headers, agent: secure ? sharedAgents().https : sharedAgents().http });
    let settled = false;
    const fail = (err: HttpRequestError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      reject(err);
    };
    const deadline = setTimeout(() => fail(new HttpRequestError('timeout', `no answer from ${origin(url)} within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => fail(new HttpRequestError('network', `could not reach ${origin(url)}: ${err.code ?? err.message}`, { cause: err })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => fail(new HttpRequestError('network', `answer from ${origin(url)} cut off: ${err.code ?? err.message}`, { cause: err })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        const h = res.headers;
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const v = h[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(init.body);
  });
}

// Logs and outcomes name the host, never a path that may carry a user's address or a query with a page token.
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}
