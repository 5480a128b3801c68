import { minuteOf } from './rolling-quota.js';
import { pickSender, type Candidate, type RotationStrategy } from './rotation.js';
import { isInWindow, nextWindowOpen, type SendingWindow } from './sending-window.js';
import type { SenderState } from './sender.js';

/** What allocation knows of one sender of the pool, read under its row lock. */
export interface AllocSender {
  id: string;
  accountId: string | null;
  /** Effective state at `now` (see effectiveState). */
  state: SenderState;
  stateUntil: number | null;
  /** Daily limit in force now; null = unlimited. */
  limit: number | null;
  /** Sends counted in the rolling window, future reservations included. */
  used: number;
  /** When `used` ≥ `limit`: the time one more send fits again, if known. */
  quotaFreeAt: number | null;
  /** Earliest time the next send keeps the sender's rate (GCRA theoretical arrival time; 0 = any time). */
  nextSendAt: number;
  intervalMs: number;
  window: SendingWindow | null;
  weight: number;
  maxInFlight: number | null;
  /** Sends of this process to this sender not answered yet. */
  inFlight: number;
}

/** A rate shared by every sender of one account (a Google project's quota). */
export interface AllocAccount {
  id: string;
  nextSendAt: number;
  intervalMs: number;
}

/** Where one message goes: a sender and the time to send (now, or a reserved later slot), or nowhere yet. */
export type Placement =
  | { senderId: string; sendAt: number }
  | { senderId: null; retryAt: number | null };

/** Everything allocation decides for a batch; the store writes it in the same transaction it read the inputs. */
export interface AllocationPlan {
  placements: Placement[];
  /** Per sender that took sends: the new counters and the reservations per minute bucket. */
  senders: Map<string, { used: number; nextSendAt: number; buckets: Map<number, number> }>;
  accounts: Map<string, number>;
  cursor: string | null;
  /** Senders whose daily limit is reached by this plan (now exhausted by quota). */
  exhausted: string[];
}

/** What allocating a batch of messages to a pool needs. */
export interface AllocationInput {
  strategy: RotationStrategy;
  senders: AllocSender[];
  accounts: AllocAccount[];
  cursor: string | null;
  now: number;
  /** Slots up to this far ahead are reserved for messages that cannot go now; later ones just wait. */
  horizonMs: number;
  count: number;
  random: () => number;
}

/** When a sender at its in-flight maximum is looked at again. */
export const IN_FLIGHT_RETRY_MS = 1000;

/**
 * Place `count` messages on the pool's senders, in order. Each goes to a sender usable now, chosen by the pool's
 * strategy; failing that, to the earliest rate slot within the horizon (a reservation the message holds until
 * then); failing that, nowhere, with the earliest time any sender frees up (null when none will by itself:
 * every sender paused or in error). No sender is given more than its daily limit, its rate, or (now) its
 * in-flight maximum. Pure: the caller supplies `random` and applies the plan.
 */
export function allocate(input: AllocationInput): AllocationPlan {
  const { now, horizonMs } = input;
  const senders = input.senders.map((s) => ({ ...s }));
  const accounts = new Map(input.accounts.map((a) => [a.id, { ...a }]));
  const plan: AllocationPlan = { placements: [], senders: new Map(), accounts: new Map(), cursor: input.cursor, exhausted: [] };

  for (let i = 0; i < input.count; i++) {
    const ready: Array<(typeof senders)[number]> = [];
    let future: { s: (typeof senders)[number]; at: number } | null = null;
    let wait: number | null = null;
    const waitAt = (t: number | null): void => {
      if (t !== null && (wait === null || t < wait)) wait = t;
    };
    for (const s of senders) {
      if (s.state === 'paused' || s.state === 'error') continue;
      if (s.state !== 'active') {
        waitAt(s.stateUntil);
        continue;
      }
      if (s.limit !== null && s.used >= s.limit) {
        waitAt(s.quotaFreeAt);
        continue;
      }
      if (s.window && !isInWindow(s.window, now)) {
        waitAt(nextWindowOpen(s.window, now));
        continue;
      }
      const acc = s.accountId ? accounts.get(s.accountId) : undefined;
      const at = Math.max(now, s.nextSendAt, acc?.nextSendAt ?? 0);
      if (at <= now) {
        if (s.maxInFlight === null || s.inFlight < s.maxInFlight) ready.push(s);
        else waitAt(now + IN_FLIGHT_RETRY_MS);
      } else if (at - now <= horizonMs) {
        if (!future || at < future.at || (at === future.at && s.id < future.s.id)) future = { s, at };
      } else {
        waitAt(at);
      }
    }

    let chosen: (typeof senders)[number] | undefined;
    let sendAt = now;
    if (ready.length > 0) {
      const candidates: Candidate[] = ready.map((s) => ({ id: s.id, remaining: s.limit === null ? Number.MAX_SAFE_INTEGER : s.limit - s.used, weight: s.weight }));
      const pick = pickSender(input.strategy, candidates, plan.cursor, input.random());
      chosen = ready.find((s) => s.id === pick!.id);
    } else if (future) {
      chosen = future.s;
      sendAt = future.at;
    }
    if (!chosen) {
      plan.placements.push({ senderId: null, retryAt: wait });
      continue;
    }

    chosen.used += 1;
    if (sendAt <= now) chosen.inFlight += 1;
    if (chosen.intervalMs > 0) chosen.nextSendAt = sendAt + chosen.intervalMs;
    const acc = chosen.accountId ? accounts.get(chosen.accountId) : undefined;
    if (acc && acc.intervalMs > 0) {
      acc.nextSendAt = sendAt + acc.intervalMs;
      plan.accounts.set(acc.id, acc.nextSendAt);
    }
    const entry = plan.senders.get(chosen.id) ?? { used: 0, nextSendAt: 0, buckets: new Map<number, number>() };
    entry.used = chosen.used;
    entry.nextSendAt = chosen.nextSendAt;
    const minute = minuteOf(sendAt);
    entry.buckets.set(minute, (entry.buckets.get(minute) ?? 0) + 1);
    plan.senders.set(chosen.id, entry);
    if (chosen.limit !== null && chosen.used >= chosen.limit) plan.exhausted.push(chosen.id);
    plan.cursor = chosen.id;
    plan.placements.push({ senderId: chosen.id, sendAt });
  }
  return plan;
}

/** A held slot this much older than now is given back (the send it stood for did not happen) and the message placed anew. */
export const HELD_LATE_MS = 30_000;

/** What becomes of a message that comes back holding a slot: a placement (now or a new slot), or null to place it anew. */
export interface HeldOutcome {
  placement: { senderId: string; sendAt: number } | null;
  /** Changes to the sender's minute buckets: a given-back slot is uncounted, a moved one counted in its new minute. */
  bucketDeltas: Array<[number, number]>;
}

/**
 * Decide for a held slot, updating `s` (and `account`) like allocation does. The slot was counted when reserved:
 * on time, the message goes now; late by more than half the sender's interval, it takes the sender's next rate
 * slot (so two sends never come closer than the rate allows) and its count moves to that minute; when the sender
 * can no longer take it (`usable` false: paused, in error, told to slow down), or it is out of its window, or the
 * slot is over HELD_LATE_MS old, the count is given back and the message is placed anew.
 */
export function placeHeld(s: AllocSender | undefined, account: AllocAccount | undefined, slot: number, now: number, usable: boolean): HeldOutcome {
  if (!s) return { placement: null, bucketDeltas: [] };
  if (!usable || now - slot > HELD_LATE_MS || (s.window && !isInWindow(s.window, now))) {
    s.used -= 1;
    return { placement: null, bucketDeltas: [[minuteOf(slot), -1]] };
  }
  let at = now;
  if (s.intervalMs > 0 && now - slot > s.intervalMs / 2) {
    at = Math.max(now, s.nextSendAt, account?.nextSendAt ?? 0);
    s.nextSendAt = at + s.intervalMs;
    if (account && account.intervalMs > 0) account.nextSendAt = at + account.intervalMs;
  }
  if (at <= now) s.inFlight += 1;
  const moved = minuteOf(at) !== minuteOf(slot);
  return { placement: { senderId: s.id, sendAt: at }, bucketDeltas: moved ? [[minuteOf(slot), -1], [minuteOf(at), 1]] : [] };
}
