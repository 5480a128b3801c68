/** A sender's sends counted per minute: `minute` is epoch minutes (floor(ms / 60 000)). */
export interface MinuteCount {
  minute: number;
  count: number;
}

/** The rolling window over which daily limits count (Google counts a "day" as the last 24 hours). */
export const DAY_MS = 24 * 3600_000;
const MINUTE_MS = 60_000;

/** The minute bucket a time falls in. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS);
}

/**
 * Sends inside the rolling window ending at `now`. Minute buckets are counted whole while any part of the minute is
 * inside the window, so the count never undercounts (a send is never forgotten early).
 */
export function usedInWindow(buckets: MinuteCount[], now: number, windowMs = DAY_MS): number {
  const first = minuteOf(now - windowMs);
  let used = 0;
  for (const b of buckets) if (b.minute >= first) used += b.count;
  return used;
}

/** How many more sends the limit allows now (never negative). */
export function remaining(buckets: MinuteCount[], limit: number, now: number, windowMs = DAY_MS): number {
  return Math.max(0, limit - usedInWindow(buckets, now, windowMs));
}

/**
 * The earliest time at which one more send fits under `limit`: `now` when it fits already; otherwise the moment
 * enough of the oldest minutes have left the window. Null when no send can ever fit (limit 0).
 */
export function nextFreeAt(buckets: MinuteCount[], limit: number, now: number, windowMs = DAY_MS): number | null {
  if (limit <= 0) return null;
  let over = usedInWindow(buckets, now, windowMs) - limit + 1;
  if (over <= 0) return now;
  const first = minuteOf(now - windowMs);
  const inWindow = buckets.filter((b) => b.minute >= first).sort((a, b) => a.minute - b.minute);
  for (const b of inWindow) {
    over -= b.count;
    // Bucket b counts until the window no longer touches its minute: (b.minute + 1) * 60 000 + windowMs.
    if (over <= 0) return (b.minute + 1) * MINUTE_MS + windowMs;
  }
  return null;
}
