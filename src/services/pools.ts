import { AppError, invalid } from '../domain/errors.js';
import type { RotationStrategy } from '../domain/rotation.js';
import type { Clock } from '../ports/clock.js';
import type { PoolMember, PoolRecord, SenderStore } from '../ports/sender-store.js';
import type { CreatePool, UpdatePool } from './sender-schema.js';
import type { ManageSenders, SenderStatus } from './senders.js';

/**
 * How a pool stands: `ready` (some sender can send now), `exhausted` (every usable sender is out of quota or
 * cooling down: messages wait until `nextFreeAt`), `no_usable_sender` (all paused or in error: messages wait for a
 * person), `empty` (no senders at all).
 */
export type PoolState = 'ready' | 'exhausted' | 'no_usable_sender' | 'empty';

/** A pool with its senders, its state and what waits for it. */
export interface PoolStatus {
  pool: PoolRecord;
  senders: SenderStatus[];
  state: PoolState;
  nextFreeAt: number | null;
  /** Messages queued or deferred that name this pool. */
  waiting: number;
  remainingToday: number | null;
  dailyCapacity: number | null;
}

/** What the accept path asks before queueing a message for a pool. */
export interface PoolCheck {
  /** Throws POOL_NOT_FOUND or POOL_EMPTY naming `field` when the pool cannot take messages. */
  checkForSend(id: string, field: string): Promise<void>;
}

type Ref = string | { id: string; weight?: number };
const CHECK_TTL_MS = 2000;

/** Pool use cases: create, change, read with status, remove; and the accept path's check. */
export class ManagePools implements PoolCheck {
  private readonly checked = new Map<string, { at: number; error: AppError | null }>();

  constructor(private readonly store: SenderStore, private readonly senders: ManageSenders, private readonly clock: Clock) {}

  async create(req: CreatePool): Promise<PoolStatus> {
    const now = this.clock.now();
    const members = await this.members(req.senders ?? [], req.service_accounts ?? []);
    await this.store.createPool({ id: req.id, strategy: (req.strategy ?? 'round_robin') as RotationStrategy, description: req.description ?? null, members, createdAt: now, updatedAt: now });
    this.checked.delete(req.id);
    return this.get(req.id);
  }

  async update(id: string, req: UpdatePool): Promise<PoolStatus> {
    const cur = await this.record(id);
    let members: PoolMember[] | undefined;
    if (req.senders !== undefined || req.service_accounts !== undefined) {
      const senders = cur.members.flatMap((m) => ('senderId' in m ? [{ id: m.senderId, weight: m.weight }] : []));
      const accounts = cur.members.flatMap((m) => ('serviceAccountId' in m ? [{ id: m.serviceAccountId, weight: m.weight }] : []));
      members = await this.members(req.senders ?? senders, req.service_accounts ?? accounts);
    }
    await this.store.updatePool(id, { strategy: req.strategy, description: req.description, members }, this.clock.now());
    this.checked.delete(id);
    return this.get(id);
  }

  async get(id: string): Promise<PoolStatus> {
    return this.statusOf(await this.record(id));
  }

  async list(): Promise<PoolStatus[]> {
    return Promise.all((await this.store.listPools()).map((p) => this.statusOf(p)));
  }

  async remove(id: string): Promise<void> {
    await this.record(id);
    const waiting = await this.store.poolWaiting(id);
    if (waiting > 0) throw new AppError('POOL_IN_USE', `id: ${waiting} message(s) still wait for pool "${id}"`, { field: 'id' });
    await this.store.deletePool(id);
    this.checked.delete(id);
  }

  async checkForSend(id: string, field: string): Promise<void> {
    const now = this.clock.now();
    let c = this.checked.get(id);
    if (!c || now - c.at > CHECK_TTL_MS) {
      let error: AppError | null = null;
      if (!(await this.store.getPool(id))) error = new AppError('POOL_NOT_FOUND', `no sender pool "${id}"`);
      else if ((await this.store.poolSenders(id)).length === 0) error = new AppError('POOL_EMPTY', `sender pool "${id}" has no senders`);
      c = { at: now, error };
      this.checked.set(id, c);
      if (this.checked.size > 1000) this.checked.delete(this.checked.keys().next().value as string);
    }
    if (c.error) throw new AppError(c.error.code, `${field}: ${c.error.message}`, { field });
  }

  /** A pool's status now. */
  async statusOf(pool: PoolRecord): Promise<PoolStatus> {
    const now = this.clock.now();
    const senders = await this.senders.statusOf(await this.store.poolSenders(pool.id), now);
    const usable = senders.filter((s) => s.state !== 'paused' && s.state !== 'error');
    const unlimited = usable.some((s) => s.limit === null);
    const ready = usable.some((s) => s.state === 'active' && (s.remaining === null || s.remaining > 0));
    const frees = usable.map((s) => s.stateUntil).filter((t): t is number => t !== null);
    const state: PoolState = senders.length === 0 ? 'empty' : usable.length === 0 ? 'no_usable_sender' : ready ? 'ready' : 'exhausted';
    return {
      pool, senders, state,
      nextFreeAt: state === 'exhausted' && frees.length > 0 ? Math.min(...frees) : null,
      waiting: await this.store.poolWaiting(pool.id),
      remainingToday: unlimited ? null : usable.reduce((n, s) => n + (s.remaining ?? 0), 0),
      dailyCapacity: unlimited ? null : usable.reduce((n, s) => n + (s.limit ?? 0), 0),
    };
  }

  private async record(id: string): Promise<PoolRecord> {
    const p = await this.store.getPool(id);
    if (!p) throw new AppError('POOL_NOT_FOUND', `no sender pool "${id}"`, { field: 'id' });
    return p;
  }

  // Members as given (ids or {id, weight}), each checked to exist; a pool must resolve to at least one sender.
  private async members(senderRefs: Ref[], accountRefs: Ref[]): Promise<PoolMember[]> {
    const norm = (r: Ref) => (typeof r === 'string' ? { id: r, weight: 1 } : { id: r.id, weight: r.weight ?? 1 });
    const s = senderRefs.map(norm);
    const a = accountRefs.map(norm);
    const dup = (list: Array<{ id: string }>, field: string) => list.forEach((x, i) => {
      if (list.findIndex((y) => y.id === x.id) !== i) throw invalid(`${field}[${i}]`, `"${x.id}" is listed twice`);
    });
    dup(s, 'senders');
    dup(a, 'service_accounts');
    const found = new Set((await this.store.listSenders({ ids: s.map((x) => x.id) })).map((x) => x.id));
    s.forEach((x, i) => {
      if (!found.has(x.id)) throw new AppError('SENDER_NOT_FOUND', `senders[${i}]: no sender "${x.id}"`, { field: `senders[${i}]` });
    });
    let resolved = s.length;
    for (let i = 0; i < a.length; i++) {
      if (!(await this.store.getServiceAccount(a[i]!.id))) throw new AppError('SERVICE_ACCOUNT_NOT_FOUND', `service_accounts[${i}]: no service account "${a[i]!.id}"`, { field: `service_accounts[${i}]` });
      resolved += (await this.store.listSenders({ serviceAccountId: a[i]!.id })).length;
    }
    if (resolved === 0) {
      throw new AppError('POOL_EMPTY', a.length > 0
        ? 'senders: the pool would have no senders (its service accounts have no synced users yet; sync them first)'
        : 'senders: a pool needs at least one sender or service account', { field: 'senders' });
    }
    return [...s.map((x) => ({ senderId: x.id, weight: x.weight })), ...a.map((x) => ({ serviceAccountId: x.id, weight: x.weight }))];
  }
}
