const RETRY_AFTER_TEXT = /Retry after (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))/i;

/**
 * When Google says the user may send again (epoch ms): the RFC 3339 time in its message ("User-rate limit
 * exceeded.  Retry after 2026-05-02T09:00:00.000Z (Mail sending)"), else a `Retry-After` header (seconds or an
 * HTTP date), else undefined. A time in the past is ignored.
 */
export function retryAtFrom(message: string, retryAfterHeader: string | null, now: number): number | undefined {
  const m = RETRY_AFTER_TEXT.exec(message);
  if (m) {
    const t = Date.parse(m[1]!);
    if (Number.isFinite(t) && t > now) return t;
  }
  if (retryAfterHeader) {
    const h = retryAfterHeader.trim();
    const t = /^\d+$/.test(h) ? now + Number(h) * 1000 : Date.parse(h);
    if (Number.isFinite(t) && t > now) return t;
  }
  return undefined;
}
