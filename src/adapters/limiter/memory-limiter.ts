import { backoffFactor, onThrottleReply, slowedRate, type BackoffSpec, type BackoffState } from '../../domain/domain-backoff.js';
import { reserveSlot } from '../../domain/gcra.js';
import type { LimitKey, Limiter } from '../../ports/limiter.js';

/**
 * GCRA limiter state in this process's memory: serves one process only. Keys whose debt has passed and slow-downs
 * that have recovered are swept, so memory stays bounded.
 */
export class MemoryLimiter implements Limiter {
  private readonly tat = new Map<string, number>();
  private readonly slow = new Map<string, { state: BackoffState; spec: BackoffSpec }>();
  private sweepAt = 0;

  async reserve(keys: LimitKey[], now: number): Promise<number> {
    let sendAt = now;
    for (const k of keys) {
      const rate = k.slowdown ? slowedRate(k.rate, backoffFactor(k.slowdown, this.slow.get(k.key)?.state, now)) : k.rate;
      const r = reserveSlot(rate, this.tat.get(k.key), now);
      this.tat.set(k.key, r.tat);
      if (r.sendAt > sendAt) sendAt = r.sendAt;
    }
    if (this.tat.size + this.slow.size > 10_000 && now >= this.sweepAt) this.sweep(now);
    return sendAt;
  }

  async reserveEach(requests: LimitKey[][], now: number): Promise<number[]> {
    const out: number[] = [];
    for (const keys of requests) out.push(await this.reserve(keys, now));
    return out;
  }

  async slowDown(key: string, spec: BackoffSpec, now: number): Promise<number> {
    const state = onThrottleReply(spec, this.slow.get(key)?.state, now);
    this.slow.set(key, { state, spec });
    return state.factor;
  }

  async factor(key: string, spec: BackoffSpec, now: number): Promise<number> {
    return backoffFactor(spec, this.slow.get(key)?.state, now);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [key, tat] of this.tat) if (tat <= now) this.tat.delete(key);
    for (const [key, s] of this.slow) if (backoffFactor(s.spec, s.state, now) >= 1) this.slow.delete(key);
    this.sweepAt = now + 1000;
  }
}
