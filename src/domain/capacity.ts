import { DAY_MS } from './rolling-quota.js';

/** One sender as capacity planning sees it. */
export interface CapacitySender {
  /** Daily limit in force now; null = unlimited. */
  limit: number | null;
  /** Counted in the rolling 24 h. */
  used: number;
  /** Able to send today at all (not paused, not in error). */
  usable: boolean;
  /** Least time between two sends (0 = no rate). */
  intervalMs: number;
  accountId: string | null;
}

/** Remaining, daily capacity and the time a volume takes. Counts are null when some sender is unlimited. */
export interface CapacityEstimate {
  senders: number;
  usableSenders: number;
  /** Distinct service accounts behind the pool's senders. */
  accounts: number;
  remainingToday: number | null;
  dailyCapacity: number | null;
  /** "10 accounts × 50 users × 2,000/day" when every usable sender has the same limit and accounts hold equally many. */
  formula: string | null;
  /** Sum of the senders' rates, messages per second (null = some sender has no rate). */
  rateCeilingPerSecond: number | null;
  /** Sends per second observed recently (from recorded sends), or null when nothing was sent. */
  measuredPerSecond: number | null;
  messages: number;
  /** Seconds `messages` take: the slower of "at the send rate" and "as the daily quota allows"; null = unknown. */
  etaSeconds: number | null;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Capacity of a set of senders (SPEC §4): what they can still send in the rolling 24 h, what they send in a full
 * day, and how long `messages` take — at the send rate (the measured rate, capped by the senders' own rates;
 * the rate ceiling alone when nothing was measured) and, past what remains today, at the daily capacity as the
 * rolling window frees (the senders of one account held together to `accountIntervalMs`):
 * eta = max(messages / rate, max(0, messages − remaining) / daily × 24 h).
 */
export function estimateCapacity(senders: CapacitySender[], measuredPerSecond: number | null, messages: number, accountIntervalMs = 0): CapacityEstimate {
  const usable = senders.filter((s) => s.usable);
  const unlimited = usable.some((s) => s.limit === null);
  const dailyCapacity = unlimited ? null : usable.reduce((n, s) => n + s.limit!, 0);
  const remainingToday = unlimited ? null : usable.reduce((n, s) => n + Math.max(0, s.limit! - s.used), 0);
  const rateCeiling = rateCeilingOf(usable, accountIntervalMs);
  const accountIds = new Set(usable.map((s) => s.accountId).filter((a): a is string => a !== null));

  let rate: number | null = measuredPerSecond !== null && measuredPerSecond > 0 ? measuredPerSecond : null;
  if (rateCeiling !== null) rate = rate === null ? rateCeiling : Math.min(rate, rateCeiling);
  let eta: number | null = null;
  if (messages === 0) eta = 0;
  else if (rate !== null && rate > 0) {
    const atRate = messages / rate;
    const beyond = remainingToday === null ? 0 : Math.max(0, messages - remainingToday);
    if (beyond === 0) eta = atRate;
    else if (dailyCapacity !== null && dailyCapacity > 0) eta = Math.max(atRate, (beyond / dailyCapacity) * (DAY_MS / 1000));
  }

  return {
    senders: senders.length,
    usableSenders: usable.length,
    accounts: accountIds.size,
    remainingToday,
    dailyCapacity,
    formula: formulaOf(usable, accountIds.size),
    rateCeilingPerSecond: rateCeiling,
    measuredPerSecond,
    messages,
    etaSeconds: eta,
  };
}

// Senders' rates added up, each account's senders together held to the account's own rate.
function rateCeilingOf(usable: CapacitySender[], accountIntervalMs: number): number | null {
  if (usable.length === 0) return 0;
  if (usable.some((s) => s.intervalMs <= 0)) return null;
  const perAccount = new Map<string | null, number>();
  for (const s of usable) perAccount.set(s.accountId, (perAccount.get(s.accountId) ?? 0) + 1000 / s.intervalMs);
  let total = 0;
  for (const [account, rate] of perAccount) total += account !== null && accountIntervalMs > 0 ? Math.min(rate, 1000 / accountIntervalMs) : rate;
  return total;
}

function formulaOf(usable: CapacitySender[], accounts: number): string | null {
  if (usable.length === 0 || usable.some((s) => s.limit === null)) return null;
  const limit = usable[0]!.limit!;
  if (usable.some((s) => s.limit !== limit)) return null;
  if (accounts > 0 && usable.every((s) => s.accountId !== null)) {
    const perAccount = new Map<string, number>();
    for (const s of usable) perAccount.set(s.accountId!, (perAccount.get(s.accountId!) ?? 0) + 1);
    const counts = new Set(perAccount.values());
    if (counts.size === 1) return `${fmt(accounts)} accounts × ${fmt([...counts][0]!)} users × ${fmt(limit)}/day = ${fmt(usable.length * limit)}/day`;
  }
  return `${fmt(usable.length)} senders × ${fmt(limit)}/day = ${fmt(usable.length * limit)}/day`;
}

/**
 * The send rate recorded over the last hour, in sends per second: successful sends divided by the minutes that
 * had any (a pool idle for half the hour is not reported as half as fast), or null when nothing was sent.
 * `minutes` are (epoch minute, successful sends).
 */
export function measuredRate(minutes: Array<{ minute: number; sent: number }>, now: number): number | null {
  const from = Math.floor((now - 3600_000) / 60_000);
  const recent = minutes.filter((m) => m.sent > 0 && m.minute >= from);
  if (recent.length === 0) return null;
  const total = recent.reduce((n, m) => n + m.sent, 0);
  return total / (new Set(recent.map((m) => m.minute)).size * 60);
}
