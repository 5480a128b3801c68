import { reserveSlot } from '../../domain/gcra.js';
import type { LimitKey, Limiter } from '../../ports/limiter.js';

/** GCRA limiter state in this process's memory; keys whose debt has passed are swept, so memory stays bounded. */
export class MemoryLimiter implements Limiter {
  private readonly tat = new Map<string, number>();
  private sweepAt = 0;

  async reserve(keys: LimitKey[], now: number): Promise<number> {
    let sendAt = now;
    for (const k of keys) {
      const r = reserveSlot(k.rate, this.tat.get(k.key), now);
      this.tat.set(k.key, r.tat);
      if (r.sendAt > sendAt) sendAt = r.sendAt;
    }
    if (this.tat.size > 10_000 && now >= this.sweepAt) this.sweep(now);
    return sendAt;
  }

  private sweep(now: number): void {
    for (const [key, tat] of this.tat) if (tat <= now) this.tat.delete(key);
    this.sweepAt = now + 1000;
  }
}
