/** What Google's JSON error document says: {"error":{"code","message","errors":[{"reason","domain","message"}],"status"}}. */
export interface GoogleErrorDocument {
  /** The HTTP status (from the document when present, else the response). */
  code: number;
  /** Google's human message (for Gmail quota errors it carries "Retry after <time>"). */
  message: string;
  /** The `errors[].reason` values, e.g. `userRateLimitExceeded`. */
  reasons: string[];
  /** The RPC status, e.g. `RESOURCE_EXHAUSTED`, when given. */
  status?: string;
}

/** Read a Google API error body; a body that is not Google's JSON (a proxy's HTML page) keeps a short excerpt as the message. */
export function parseGoogleError(httpStatus: number, text: string): GoogleErrorDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const err = (doc as { error?: unknown } | undefined)?.error;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; errors?: unknown; status?: unknown };
    const list = Array.isArray(e.errors) ? (e.errors as Array<{ reason?: unknown; message?: unknown }>) : [];
    const reasons = list.map((x) => x?.reason).filter((r): r is string => typeof r === 'string');
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : (list.find((x) => typeof x?.message === 'string')?.message as string | undefined) ?? `HTTP ${httpStatus}`;
    return { code: typeof e.code === 'number' ? e.code : httpStatus, message, reasons, status: typeof e.status === 'string' ? e.status : undefined };
  }
  const excerpt = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return { code: httpStatus, message: excerpt || `HTTP ${httpStatus}`, reasons: [] };
}

/** A Google API call that ended in an HTTP error: the status and Google's own words. */
export class GoogleApiError extends Error {
  constructor(readonly status: number, readonly doc: GoogleErrorDocument, context: string) {
    super(`${context}: Google answered ${status}${doc.reasons.length ? ` ${doc.reasons.join(',')}` : ''}: ${doc.message}`);
    this.name = 'GoogleApiError';
  }
}
