/** How a pool picks the sender of the next message. */
export type RotationStrategy = 'round_robin' | 'least_used' | 'weighted' | 'random';

/** What rotation needs to know of a sender that is usable now (active, in window, under its limits). */
export interface Candidate {
  id: string;
  /** Sends left in the rolling window. */
  remaining: number;
  /** Relative share for `weighted` (> 0). */
  weight: number;
}

/**
 * Pick one sender among usable candidates, or null when there is none. `cursor` is the pool's round-robin position
 * (the id last used); `random` is in [0, 1). Pure: the caller keeps the cursor and supplies randomness.
 */
export function pickSender(strategy: RotationStrategy, candidates: Candidate[], cursor: string | null, random: number): Candidate | null {
  const usable = candidates.filter((c) => c.remaining > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (usable.length === 0) return null;
  switch (strategy) {
    case 'round_robin': {
      const next = cursor === null ? usable[0] : usable.find((c) => c.id > cursor);
      return next ?? usable[0]!;
    }
    case 'least_used':
      // Most remaining quota first; ties by id so the choice is stable.
      return usable.reduce((best, c) => (c.remaining > best.remaining ? c : best));
    case 'weighted': {
      const total = usable.reduce((s, c) => s + Math.max(0, c.weight), 0);
      if (total <= 0) return usable[Math.floor(random * usable.length)]!;
      let point = random * total;
      for (const c of usable) {
        point -= Math.max(0, c.weight);
        if (point < 0) return c;
      }
      return usable[usable.length - 1]!;
    }
    case 'random':
      return usable[Math.floor(random * usable.length)]!;
    default: {
      const never: never = strategy;
      throw new Error(`unknown rotation strategy ${String(never)}`);
    }
  }
}
