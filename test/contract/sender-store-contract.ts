// The SenderStore contract: one suite every SenderStore adapter must pass (run for SQLite and PostgreSQL).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Store } from '../../src/ports/store.js';
import type { Assignment, SenderRecord, SenderStore, ServiceAccountRecord } from '../../src/ports/sender-store.js';
import { AppError } from '../../src/domain/errors.js';
import { DAY_MS, minuteOf } from '../../src/domain/rolling-quota.js';
import type { SenderLimits } from '../../src/domain/sender.js';
import { newMessage } from './store-contract.js';

const T0 = 1_800_000_000_000;
const NO_LIMITS: SenderLimits = { dailyLimit: null, perSecond: null, perMinute: null, maxInFlight: null, warmup: null, window: null };

/** A sender record with overrides. */
export function senderRecord(id: string, over: Partial<SenderRecord> = {}): SenderRecord {
  return {
    id, kind: 'smtp', email: `${id}@senders.test`, fromName: null, serviceAccountId: null, sealedSecret: 'v1.sealed', settings: { relay: 'smtp://127.0.0.1:2525' },
    ...NO_LIMITS, state: 'active', stateUntil: null, stateReason: null, stateSource: null, strikes: 0,
    lastError: null, lastErrorAt: null, lastSentAt: null, createdAt: T0, updatedAt: T0, ...over,
  };
}

function account(id: string, over: Partial<ServiceAccountRecord> = {}): ServiceAccountRecord {
  return { id, clientEmail: `${id}@proj.iam.gserviceaccount.com`, projectId: 'proj', keyId: 'k1', adminEmail: 'admin@corp.test', accountType: 'workspace', sealedKey: 'v1.x', lastSyncAt: null, lastSyncError: null, syncedUsers: null, createdAt: T0, updatedAt: T0, ...over };
}

const counts = (a: Map<string, Assignment>) => {
  const n = new Map<string, number>();
  for (const x of a.values()) if (x.senderId) n.set(x.senderId, (n.get(x.senderId) ?? 0) + 1);
  return n;
};

/** Both stores of one database: messages and senders. */
export interface SenderStores {
  store: Store;
  senders: SenderStore;
}

/** Run the contract against stores made by `make` (fresh, migrated, empty each test); `other` opens a second connection pool. */
export function describeSenderStoreContract(name: string, make: () => Promise<SenderStores & { other?: () => Promise<SenderStores>; cleanup: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`SenderStore contract: ${name}`, () => {
    let store: Store;
    let senders: SenderStore;
    let other: (() => Promise<SenderStores>) | undefined;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, senders, other, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    const reserve = (poolId: string, fresh: string[], now: number, over: { held?: Array<{ messageId: string; senderId: string; slot: number }>; inFlight?: Map<string, number>; horizonMs?: number } = {}) =>
      senders.reserve({ poolId, now, fresh, held: over.held ?? [], inFlight: over.inFlight ?? new Map(), horizonMs: over.horizonMs ?? 60_000, random: () => 0.5 });

    async function poolOf(id: string, members: string[], limits: Partial<SenderLimits> = {}, strategy: 'round_robin' | 'least_used' = 'round_robin') {
      for (const m of members) await senders.createSender(senderRecord(m, limits));
      await senders.createPool({ id, strategy, description: null, members: members.map((senderId) => ({ senderId, weight: 1 })), createdAt: T0, updatedAt: T0 });
    }

    async function queue(n: number, pool: string): Promise<string[]> {
      const msgs = Array.from({ length: n }, () => newMessage({ senderPool: pool }));
      await store.insertMessages(msgs);
      return msgs.map((m) => m.id);
    }

    it('creates, reads, patches and deletes senders; a repeated id is SENDER_EXISTS', async () => {
      const s = senderRecord('a', { dailyLimit: 50, perMinute: 10, window: { days: [1, 2], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' }, warmup: { initial: 10, growth: 1.5, max: 50, startedAt: T0 } });
      await senders.createSender(s);
      expect(await senders.getSender('a')).toEqual(s);
      await expect(senders.createSender(senderRecord('a'))).rejects.toMatchObject({ code: 'SENDER_EXISTS' });
      const p = await senders.updateSender('a', { dailyLimit: null, fromName: 'Ann', window: null }, T0 + 5);
      expect(p).toMatchObject({ dailyLimit: null, fromName: 'Ann', window: null, perMinute: 10, updatedAt: T0 + 5 });
      expect(await senders.updateSender('nope', { fromName: 'x' }, T0)).toBeNull();
      await senders.createSender(senderRecord('b'));
      expect((await senders.listSenders()).map((x) => x.id)).toEqual(['a', 'b']);
      expect((await senders.listSenders({ ids: ['b'] })).map((x) => x.id)).toEqual(['b']);
      expect(await senders.deleteSender('a')).toBe(true);
      expect(await senders.deleteSender('a')).toBe(false);
      expect(await senders.getSender('a')).toBeNull();
    });

    it('pauses and resumes senders', async () => {
      await senders.createSender(senderRecord('a', { strikes: 3 }));
      const [p] = await senders.setState(['a'], 'paused', { until: null, reason: 'by hand', source: 'user' }, T0 + 1);
      expect(p).toMatchObject({ state: 'paused', stateReason: 'by hand', stateSource: 'user' });
      const [r] = await senders.setState(['a'], 'active', { until: null, reason: null, source: null }, T0 + 2);
      expect(r).toMatchObject({ state: 'active', stateReason: null, strikes: 0 });
    });

    it('keeps service accounts unique by client email and removes their senders with them', async () => {
      await senders.createServiceAccount(account('sa1'));
      expect(await senders.getServiceAccount('sa1')).toEqual(account('sa1'));
      await expect(senders.createServiceAccount(account('sa2', { clientEmail: 'sa1@proj.iam.gserviceaccount.com' }))).rejects.toBeInstanceOf(AppError);
      await senders.applyDirectory('sa1', [{ id: 'g1', email: 'Ann@corp.test', name: 'Ann', inactive: null }], NO_LIMITS, T0);
      await senders.createPool({ id: 'p', strategy: 'random', description: null, members: [{ serviceAccountId: 'sa1', weight: 1 }, { senderId: 'g1', weight: 2 }], createdAt: T0, updatedAt: T0 });
      expect(await senders.deleteServiceAccount('sa1')).toBe(true);
      expect(await senders.listSenders()).toEqual([]);
      expect((await senders.getPool('p'))!.members).toEqual([]);
      expect(await senders.deleteServiceAccount('sa1')).toBe(false);
    });

    it('applies a directory: creates active users, pauses inactive and vanished ones, resumes only what it paused', async () => {
      await senders.createServiceAccount(account('sa'));
      const first = await senders.applyDirectory('sa', [
        { id: 'u1', email: 'ann@corp.test', name: 'Ann', inactive: null },
        { id: 'u2', email: 'bob@corp.test', name: null, inactive: null },
        { id: 'u3', email: 'cy@corp.test', name: null, inactive: 'suspended' },
      ], { ...NO_LIMITS, dailyLimit: 2000, perMinute: 150 }, T0);
      expect(first).toEqual({ created: 2, paused: 0, resumed: 0, unchanged: 0 });
      expect(await senders.getSender('u1')).toMatchObject({ kind: 'gmail', email: 'ann@corp.test', fromName: 'Ann', serviceAccountId: 'sa', dailyLimit: 2000, perMinute: 150, state: 'active' });
      await senders.setState(['u2'], 'paused', { until: null, reason: 'by hand', source: 'user' }, T0);
      const second = await senders.applyDirectory('sa', [{ id: 'x', email: 'ANN@corp.test', name: 'Ann', inactive: 'archived' }, { id: 'y', email: 'bob@corp.test', name: null, inactive: null }], NO_LIMITS, T0 + 1);
      // Ann archived → paused; Bob paused by a person stays paused; nobody vanished but Ann and Bob exist.
      expect(second).toEqual({ created: 0, paused: 1, resumed: 0, unchanged: 1 });
      expect(await senders.getSender('u1')).toMatchObject({ state: 'paused', stateSource: 'directory', stateReason: 'directory: user archived' });
      const third = await senders.applyDirectory('sa', [{ id: 'x', email: 'ann@corp.test', name: 'Ann', inactive: null }], NO_LIMITS, T0 + 2);
      expect(third).toEqual({ created: 0, paused: 0, resumed: 1, unchanged: 0 });
      expect((await senders.getSender('u2'))!.state).toBe('paused');
      expect((await senders.getSender('u2'))!.stateSource).toBe('user');
      await senders.applyDirectory('sa', [], NO_LIMITS, T0 + 3);
      expect(await senders.getSender('u1')).toMatchObject({ state: 'paused', stateReason: 'directory: user no longer listed' });
    });

    it('lets one process at a time sync an account', async () => {
      await senders.createServiceAccount(account('sa'));
      expect(await senders.claimSync('sa', T0, 60_000)).toBe(true);
      expect(await senders.claimSync('sa', T0 + 1000, 60_000)).toBe(false);
      await senders.finishSync('sa', T0 + 2000, null, 3);
      expect(await senders.getServiceAccount('sa')).toMatchObject({ lastSyncAt: T0 + 2000, lastSyncError: null, syncedUsers: 3 });
      expect(await senders.claimSync('sa', T0 + 3000, 60_000)).toBe(true);
      expect(await senders.claimSync('sa', T0 + 70_000, 60_000)).toBe(true);
    });

    it('stores pools with members, resolves their senders and refuses a repeated id', async () => {
      await senders.createServiceAccount(account('sa'));
      await senders.applyDirectory('sa', [{ id: 'g1', email: 'g1@corp.test', name: null, inactive: null }], NO_LIMITS, T0);
      await senders.createSender(senderRecord('s1'));
      const pool = { id: 'main', strategy: 'weighted' as const, description: 'all', members: [{ senderId: 's1', weight: 3 }, { serviceAccountId: 'sa', weight: 1 }], createdAt: T0, updatedAt: T0 };
      await senders.createPool(pool);
      expect(await senders.getPool('main')).toEqual(pool);
      await expect(senders.createPool(pool)).rejects.toMatchObject({ code: 'POOL_EXISTS' });
      expect((await senders.poolSenders('main')).map((s) => s.id)).toEqual(['g1', 's1']);
      const up = await senders.updatePool('main', { strategy: 'least_used', members: [{ senderId: 's1', weight: 1 }] }, T0 + 1);
      expect(up).toMatchObject({ strategy: 'least_used', members: [{ senderId: 's1', weight: 1 }], updatedAt: T0 + 1 });
      expect((await senders.listPools()).map((p) => p.id)).toEqual(['main']);
      expect(await senders.updatePool('nope', { description: 'x' }, T0)).toBeNull();
      expect(await senders.deletePool('main')).toBe(true);
      expect(await senders.getPool('main')).toBeNull();
    });

    it('3 senders with a daily limit of 5, 20 messages: 15 placed, 5 each, 5 wait until the rolling window frees', async () => {
      await poolOf('p', ['a', 'b', 'c'], { dailyLimit: 5 });
      const ids = await queue(20, 'p');
      const r = await reserve('p', ids, T0);
      expect(r.found).toBe(true);
      expect(counts(r.assignments)).toEqual(new Map([['a', 5], ['b', 5], ['c', 5]]));
      const waiting = ids.map((id) => r.assignments.get(id)!).filter((a) => a.senderId === null);
      expect(waiting).toHaveLength(5);
      // Every send was counted in minute T0: one more fits once that minute has left the 24-hour window.
      const free = (minuteOf(T0) + 1) * 60_000 + DAY_MS;
      expect(waiting.every((a) => a.senderId === null && a.retryAt === free)).toBe(true);
      for (const id of ['a', 'b', 'c']) expect(await senders.getSender(id)).toMatchObject({ state: 'exhausted', stateUntil: free, stateSource: 'quota' });
      expect((await store.getMessage(ids[0]!))!.senderId).toBe('a');
      const u = await senders.usage(['a', 'b'], T0 + 1000);
      expect(u.get('a')!.used).toBe(5);
      // Nothing more fits before the window frees, even a minute before.
      const before = await reserve('p', ids.slice(15), free - 60_000);
      expect(counts(before.assignments).size).toBe(0);
      const after = await reserve('p', ids.slice(15), free);
      expect([...counts(after.assignments).values()].reduce((a, b) => a + b, 0)).toBe(5);
      expect((await senders.getSender('a'))!.state).toBe('active');
      expect((await senders.usage(['a'], free)).get('a')!.used).toBeLessThanOrEqual(2);
    });

    it('spaces a sender by its rate: later slots within the horizon are reserved and held', async () => {
      await poolOf('p', ['a'], { perSecond: 2 });
      const ids = await queue(4, 'p');
      const r = await reserve('p', ids, T0, { horizonMs: 1000 });
      expect(ids.map((id) => r.assignments.get(id))).toEqual([
        { senderId: 'a', sendAt: T0 }, { senderId: 'a', sendAt: T0 + 500 }, { senderId: 'a', sendAt: T0 + 1000 }, { senderId: null, retryAt: T0 + 1500 },
      ]);
      expect(await store.getMessage(ids[1]!)).toMatchObject({ senderId: 'a', senderSlot: T0 + 500 });
      // On time, a held slot is kept without another count.
      const kept = await reserve('p', [], T0 + 500, { held: [{ messageId: ids[1]!, senderId: 'a', slot: T0 + 500 }] });
      expect(kept.assignments.get(ids[1]!)).toEqual({ senderId: 'a', sendAt: T0 + 500 });
      expect((await senders.usage(['a'], T0 + 500)).get('a')!.used).toBe(3);
      expect((await store.getMessage(ids[1]!))!.senderSlot).toBeNull();
      // Late by more than half the interval, it takes the sender's next rate slot, still counted once.
      const late = await reserve('p', [], T0 + 1400, { held: [{ messageId: ids[2]!, senderId: 'a', slot: T0 + 1000 }] });
      expect(late.assignments.get(ids[2]!)).toEqual({ senderId: 'a', sendAt: T0 + 1500 });
      expect(await store.getMessage(ids[2]!)).toMatchObject({ senderId: 'a', senderSlot: T0 + 1500 });
      expect((await senders.usage(['a'], T0 + 1400)).get('a')!.used).toBe(3);
      // A slot the sender can no longer honour (paused) is given back: uncounted, the message placed anew.
      await senders.createSender(senderRecord('b'));
      await senders.updatePool('p', { members: [{ senderId: 'a', weight: 1 }, { senderId: 'b', weight: 1 }] }, T0);
      await senders.setState(['a'], 'paused', { until: null, reason: null, source: 'user' }, T0);
      const moved = await reserve('p', [], T0 + 1500, { held: [{ messageId: ids[2]!, senderId: 'a', slot: T0 + 1500 }] });
      expect(moved.assignments.get(ids[2]!)).toEqual({ senderId: 'b', sendAt: T0 + 1500 });
      expect((await senders.usage(['a', 'b'], T0 + 1500)).get('a')!.used).toBe(2);
    });

    it('skips paused senders and those at their in-flight maximum; least_used takes the most remaining', async () => {
      await poolOf('p', ['a', 'b', 'c'], { dailyLimit: 10, maxInFlight: 2 }, 'least_used');
      await senders.setState(['c'], 'paused', { until: null, reason: null, source: 'user' }, T0);
      const ids = await queue(5, 'p');
      const r = await reserve('p', ids, T0, { inFlight: new Map([['a', 1]]) });
      expect(counts(r.assignments)).toEqual(new Map([['a', 1], ['b', 2]]));
      expect(r.senders.get('c')!.state).toBe('paused');
    });

    it('answers not found for a pool that does not exist', async () => {
      expect((await reserve('ghost', ['x'], T0)).found).toBe(false);
    });

    it('records outcomes: sends, last errors, and the states signals call for', async () => {
      await senders.createServiceAccount(account('sa'));
      await senders.applyDirectory('sa', ['g1', 'g2', 'g3'].map((id) => ({ id, email: `${id}@corp.test`, name: null, inactive: null })), NO_LIMITS, T0);
      await senders.setState(['g3'], 'paused', { until: null, reason: 'hold', source: 'user' }, T0);
      await poolOf('p', ['a', 'b', 'c']);
      const ids = await queue(3, 'p');
      await reserve('p', ids, T0);
      await senders.recordOutcomes([
        { senderId: 'a', sent: 1, failed: 0 },
        { senderId: 'b', sent: 0, failed: 1, lastError: '429 Daily user sending limit exceeded', signal: { kind: 'exhausted' } },
        { senderId: 'c', sent: 0, failed: 1, lastError: '535 5.7.8 auth failed', authFailed: true },
        { senderId: 'g1', sent: 0, failed: 1, lastError: '403 Rate Limit Exceeded', signal: { kind: 'account_rate' } },
      ], T0 + 10, () => 0.5);
      expect(await senders.getSender('a')).toMatchObject({ lastSentAt: T0 + 10, state: 'active' });
      expect((await senders.usage(['a'], T0 + 10)).get('a')).toMatchObject({ used: 1, sent: 1 });
      // b counted one send in minute T0: exhausted until that minute leaves the window.
      expect(await senders.getSender('b')).toMatchObject({ state: 'exhausted', stateUntil: (minuteOf(T0) + 1) * 60_000 + DAY_MS, stateSource: 'provider', lastError: '429 Daily user sending limit exceeded' });
      expect(await senders.getSender('c')).toMatchObject({ state: 'error', stateSource: 'auth' });
      for (const g of ['g1', 'g2']) expect(await senders.getSender(g)).toMatchObject({ state: 'cooling_down', strikes: 1 });
      expect((await senders.getSender('g1'))!.stateUntil).toBeGreaterThan(T0 + 10);
      expect((await senders.getSender('g3'))!.state).toBe('paused');
      await senders.recordOutcomes([{ senderId: 'a', sent: 0, failed: 1, signal: { kind: 'rate', retryAt: T0 + 90_000 } }], T0 + 20, () => 0.5);
      expect(await senders.getSender('a')).toMatchObject({ state: 'cooling_down', stateUntil: T0 + 90_000 });
    });

    it('never brings a sender back sooner: an exhausted user of a slowed account stays exhausted', async () => {
      await senders.createServiceAccount(account('sa'));
      await senders.applyDirectory('sa', ['g1', 'g2'].map((id) => ({ id, email: `${id}@corp.test`, name: null, inactive: null })), NO_LIMITS, T0);
      await senders.recordOutcomes([{ senderId: 'g1', sent: 0, failed: 1, signal: { kind: 'exhausted', retryAt: T0 + DAY_MS } }], T0, () => 0.5);
      await senders.recordOutcomes([{ senderId: 'g2', sent: 0, failed: 1, signal: { kind: 'account_rate' } }], T0 + 1, () => 0.5);
      expect(await senders.getSender('g1')).toMatchObject({ state: 'exhausted', stateUntil: T0 + DAY_MS });
      expect((await senders.getSender('g2'))!.state).toBe('cooling_down');
    });

    it('counts messages waiting for a pool, and makes them due again when a sender of the pool can send', async () => {
      await poolOf('p', ['a']);
      const waiting = Array.from({ length: 3 }, () => newMessage({ senderPool: 'p', dueAt: T0 + DAY_MS }));
      await store.insertMessages([...waiting, newMessage({ dueAt: T0 + DAY_MS })]);
      expect(await senders.poolWaiting('p')).toBe(3);
      expect(await senders.poolWaiting('other')).toBe(0);
      expect(await senders.wakePools('a', T0)).toBe(3);
      expect((await store.getMessage(waiting[0]!.id))!.dueAt).toBe(T0);
      expect(await senders.wakePools('ghost', T0)).toBe(0);
    });

    it('never exceeds a daily limit or a rate when two connection pools reserve at once', async () => {
      if (!other) return; // one writer per SQLite file: concurrent processes are covered by the integration test
      await poolOf('p', ['a', 'b'], { dailyLimit: 7 });
      await senders.createSender(senderRecord('r', { perSecond: 1 }));
      await senders.createPool({ id: 'rp', strategy: 'round_robin', description: null, members: [{ senderId: 'r', weight: 1 }], createdAt: T0, updatedAt: T0 });
      const second = await other();
      try {
        const ids = await queue(40, 'p');
        const rids = await queue(20, 'rp');
        const calls: Array<Promise<Awaited<ReturnType<SenderStore['reserve']>>>> = [];
        for (let i = 0; i < 8; i++) {
          const s = i % 2 ? second.senders : senders;
          calls.push(s.reserve({ poolId: 'p', now: T0, fresh: ids.slice(i * 5, i * 5 + 5), held: [], inFlight: new Map(), horizonMs: 0, random: () => 0.5 }));
          calls.push(s.reserve({ poolId: 'rp', now: T0, fresh: rids.slice(i * 2, i * 2 + 2), held: [], inFlight: new Map(), horizonMs: 0, random: () => 0.5 }));
        }
        const results = await Promise.all(calls);
        const total = new Map<string, number>();
        for (const r of results) for (const [k, v] of counts(r.assignments)) total.set(k, (total.get(k) ?? 0) + v);
        expect(total.get('a')).toBe(7);
        expect(total.get('b')).toBe(7);
        // One send a second, all asked for at the same instant: exactly one slot now, no horizon for later ones.
        expect(total.get('r')).toBe(1);
      } finally {
        await second.store.close();
      }
    });
  });
}
