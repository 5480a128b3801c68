import { GMAIL_PROJECT_SENDS_PER_MINUTE, GMAIL_USER_SENDS_PER_MINUTE } from './gmail-quota.js';
import type { SendingWindow } from './sending-window.js';
import { warmupLimit, type WarmupSpec } from './warmup.js';

/** How a sender reaches the world: its own SMTP relay, a Workspace user through a service account, or SES. */
export const SENDER_KINDS = ['smtp', 'gmail', 'ses'] as const;
/** One kind of sender. */
export type SenderKind = (typeof SENDER_KINDS)[number];

/** A sender's state: only `active` senders (and those whose cool-down or exhaustion has passed) send. */
export const SENDER_STATES = ['active', 'cooling_down', 'exhausted', 'paused', 'error'] as const;
/** One state of a sender. */
export type SenderState = (typeof SENDER_STATES)[number];

/**
 * Who put a sender in its state: a person (`user`), our own quota count (`quota`), the provider's answer
 * (`provider`), the Workspace directory (`directory`), or a failed login (`auth`).
 */
export type StateSource = 'user' | 'quota' | 'provider' | 'directory' | 'auth';

/** Google Workspace editions whose daily limits differ. */
export const ACCOUNT_TYPES = ['workspace', 'workspace_trial'] as const;
/** One Workspace edition. */
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** Daily sending limits over a rolling 24 hours, as Google documents them. */
export const DAILY_LIMITS = { workspace: 2000, workspace_trial: 500, consumer_gmail: 500 } as const;

const CONSUMER_GMAIL = /@(gmail|googlemail)\.com$/i;

/**
 * The daily limit a new sender gets when none is given: Workspace 2,000 (trial 500) for gmail senders; consumer
 * Gmail (an @gmail.com address through smtp.gmail.com) 500; any other SMTP or SES sender unlimited (null).
 */
export function defaultDailyLimit(kind: SenderKind, address: string, accountType: AccountType | null, relayHost: string | null): number | null {
  if (kind === 'gmail') return accountType === 'workspace_trial' ? DAILY_LIMITS.workspace_trial : DAILY_LIMITS.workspace;
  if (kind === 'smtp' && CONSUMER_GMAIL.test(address) && relayHost !== null && /(^|\.)gmail\.com$|googlemail\.com$/i.test(relayHost)) return DAILY_LIMITS.consumer_gmail;
  return null;
}

/**
 * The per-minute rate a new sender gets when none is given: a Workspace user's share of Gmail's per-user quota
 * units (15,000 units a minute at 100 units a send = 150 sends a minute), so Postflow slows before Google does.
 */
export function defaultPerMinute(kind: SenderKind): number | null {
  return kind === 'gmail' ? GMAIL_USER_SENDS_PER_MINUTE : null;
}

/** Least time between two sends of one service account (its project's 1,200,000 units a minute = 12,000 sends). */
export const ACCOUNT_SEND_INTERVAL_MS = 60_000 / GMAIL_PROJECT_SENDS_PER_MINUTE;

/** The limits one sender sends under. `null` means "no limit of this kind". */
export interface SenderLimits {
  /** Sends over any rolling 24 hours. */
  dailyLimit: number | null;
  perSecond: number | null;
  perMinute: number | null;
  /** Sends handed to the transport and not answered yet, per process. */
  maxInFlight: number | null;
  warmup: WarmupSpec | null;
  window: SendingWindow | null;
}

/** The daily limit in force at `now`: the configured one, lowered by the warm-up ramp while it lasts. */
export function effectiveDailyLimit(l: Pick<SenderLimits, 'dailyLimit' | 'warmup'>, now: number): number | null {
  if (!l.warmup) return l.dailyLimit;
  const ramp = warmupLimit(l.warmup, now);
  return l.dailyLimit === null ? ramp : Math.min(l.dailyLimit, ramp);
}

/**
 * The least time between two sends that keeps both rates (0 = no rate limit). Sends are spaced evenly rather than
 * allowed in bursts, so no window of one second (or one minute) ever holds more than the rate allows.
 */
export function sendIntervalMs(perSecond: number | null, perMinute: number | null): number {
  return Math.max(perSecond ? 1000 / perSecond : 0, perMinute ? 60_000 / perMinute : 0);
}

/** A stored state read at `now`: a cool-down or an exhaustion whose time has passed is `active` again. */
export function effectiveState(state: SenderState, until: number | null, now: number): { state: SenderState; until: number | null } {
  if ((state === 'cooling_down' || state === 'exhausted') && until !== null && until <= now) return { state: 'active', until: null };
  return { state, until };
}
