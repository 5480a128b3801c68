/** A warm-up ramp: the daily limit starts at `initial` and grows by `growth` each day since `startedAt`, up to `max`. */
export interface WarmupSpec {
  initial: number;
  /** Daily multiplier, e.g. 1.5 (> 1). */
  growth: number;
  max: number;
  startedAt: number;
}

/** The daily limit in force at `now`; before the ramp starts, the initial limit. */
export function warmupLimit(spec: WarmupSpec, now: number): number {
  const days = Math.max(0, Math.floor((now - spec.startedAt) / (24 * 3600_000)));
  return Math.min(spec.max, Math.floor(spec.initial * spec.growth ** days));
}
