import type { SenderState, StateSource } from './sender.js';

/** What a provider said about the sending identity (see SenderSignal in ports/transport). */
export type SignalKind = 'exhausted' | 'rate' | 'account_rate';

/** How long a sender (or a whole account) cools down after being told to slow down. */
export interface CooldownSpec {
  /** First cool-down; each further one in a row doubles it. */
  baseMs: number;
  maxMs: number;
  /** ± this fraction of random spread, so senders told at once do not come back at once. */
  jitter: number;
}

/** Per user: 30 s, doubling up to 15 min. Per account (a Google project): 60 s, doubling up to 30 min. */
export const SENDER_COOLDOWN: CooldownSpec = { baseMs: 30_000, maxMs: 15 * 60_000, jitter: 0.25 };
export const ACCOUNT_COOLDOWN: CooldownSpec = { baseMs: 60_000, maxMs: 30 * 60_000, jitter: 0.25 };

/** When a sender whose exhaustion we cannot date (no sends of ours in the window) is tried again. */
export const EXHAUSTED_PROBE_MS = 3600_000;

/** The state a sender moves to after a signal. */
export interface SignalledState {
  state: SenderState;
  until: number;
  source: StateSource;
  /** Cool-downs in a row (reset by a successful send). */
  strikes: number;
}

/** The cool-down after `strikes` earlier ones in a row, with jitter from `random` in [0, 1). */
export function cooldownMs(spec: CooldownSpec, strikes: number, random: number): number {
  const base = Math.min(spec.maxMs, spec.baseMs * 2 ** Math.min(strikes, 30));
  return Math.round(base * (1 - spec.jitter + 2 * spec.jitter * random));
}

/**
 * The state after a provider signal: `exhausted` — out until the provider's retry time, else until our own
 * rolling window frees a send (`quotaFreeAt`), else probed again in an hour; `rate` / `account_rate` — cooling
 * down until the provider's retry time or for a jittered, doubling cool-down.
 */
export function stateAfterSignal(kind: SignalKind, ctx: { now: number; retryAt?: number; quotaFreeAt: number | null; strikes: number; random: number }): SignalledState {
  const retry = ctx.retryAt !== undefined && ctx.retryAt > ctx.now ? ctx.retryAt : null;
  if (kind === 'exhausted') {
    const free = ctx.quotaFreeAt !== null && ctx.quotaFreeAt > ctx.now ? ctx.quotaFreeAt : ctx.now + EXHAUSTED_PROBE_MS;
    return { state: 'exhausted', until: retry ?? free, source: 'provider', strikes: ctx.strikes };
  }
  const spec = kind === 'rate' ? SENDER_COOLDOWN : ACCOUNT_COOLDOWN;
  return { state: 'cooling_down', until: retry ?? ctx.now + cooldownMs(spec, ctx.strikes, ctx.random), source: 'provider', strikes: ctx.strikes + 1 };
}

/** Whether a signal may replace the current state: never over a person's pause or a login error. */
export function signalApplies(current: SenderState): boolean {
  return current === 'active' || current === 'cooling_down' || current === 'exhausted';
}
