/** A rate: `perSecond` sustained, with bursts of up to `burst` sends at once. */
export interface RateSpec {
  perSecond: number;
  burst: number;
}

/**
 * Reserve the next send slot of a GCRA (generic cell rate algorithm) limiter.
 * `tat` is the theoretical arrival time carried between calls (undefined for a fresh key).
 * Returns when this send may happen (`now` when it conforms) and the new TAT. Reserving a future slot, rather
 * than refusing, lets a throttled message be deferred to exactly its turn: no busy-wait, no thundering herd.
 */
export function reserveSlot(spec: RateSpec, tat: number | undefined, now: number): { sendAt: number; tat: number } {
  const interval = 1000 / spec.perSecond;
  const tolerance = interval * (Math.max(1, spec.burst) - 1);
  const current = Math.max(tat ?? now, now);
  const sendAt = Math.max(now, current - tolerance);
  return { sendAt: Math.ceil(sendAt), tat: current + interval };
}
