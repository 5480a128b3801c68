/** A fetch function (the global one, or a test's). */
export type FetchFn = typeof fetch;

/** A whole HTTP answer: status, headers and body text. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Why a request got no HTTP answer: it timed out, or the connection failed (refused, reset, DNS). */
export class HttpRequestError extends Error {
  constructor(readonly kind: 'timeout' | 'network', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpRequestError';
  }
}

/**
 * One request with a deadline covering the answer's body too; throws HttpRequestError when no answer came,
 * never for an HTTP error status (the caller reads those).
 */
export async function requestText(fetchFn: FetchFn, url: string, init: RequestInit, timeoutMs: number): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchFn(url, { ...init, signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    if (signal.aborted) throw new HttpRequestError('timeout', `no answer from ${origin(url)} within ${timeoutMs} ms`, { cause: err });
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new HttpRequestError('network', `could not reach ${origin(url)}: ${detail}`, { cause: err });
  }
}

// Logs and outcomes name the host, never a path that may carry a user's address or a query with a page token.
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}
