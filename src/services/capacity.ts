import { AppError } from '../domain/errors.js';
import { estimateCapacity, measuredRate, type CapacityEstimate } from '../domain/capacity.js';
import { ACCOUNT_SEND_INTERVAL_MS, sendIntervalMs } from '../domain/sender.js';
import type { Clock } from '../ports/clock.js';
import type { SenderStore } from '../ports/sender-store.js';
import type { ManageSenders } from './senders.js';

/** A capacity report for a pool (or every sender). */
export interface CapacityReport extends CapacityEstimate {
  pool: string | null;
}

/**
 * Capacity planning (SPEC §4): what a pool can still send today, its daily capacity (accounts × users × daily
 * limit), and how long a volume takes at the rate measured from recorded sends, within the senders' own rates.
 */
export class CapacityPlanner {
  constructor(private readonly store: SenderStore, private readonly senders: ManageSenders, private readonly clock: Clock) {}

  async report(q: { pool?: string; messages?: number }): Promise<CapacityReport> {
    const now = this.clock.now();
    let records;
    if (q.pool !== undefined) {
      if (!(await this.store.getPool(q.pool))) throw new AppError('POOL_NOT_FOUND', `pool: no sender pool "${q.pool}"`, { field: 'pool' });
      records = await this.store.poolSenders(q.pool);
    } else {
      records = await this.store.listSenders();
    }
    const status = await this.senders.statusOf(records, now);
    const minutes = new Map<number, number>();
    for (const s of status) for (const r of s.recent) minutes.set(r.minute, (minutes.get(r.minute) ?? 0) + r.sent);
    const measured = measuredRate([...minutes].map(([minute, sent]) => ({ minute, sent })), now);
    const estimate = estimateCapacity(status.map((s) => ({
      limit: s.limit, used: s.used, usable: s.state !== 'paused' && s.state !== 'error',
      intervalMs: sendIntervalMs(s.sender.perSecond, s.sender.perMinute), accountId: s.sender.serviceAccountId,
    })), measured, q.messages ?? 0, ACCOUNT_SEND_INTERVAL_MS);
    return { pool: q.pool ?? null, ...estimate };
  }
}
