import { describe, it, expect } from 'vitest';
import { allocate, placeHeld, IN_FLIGHT_RETRY_MS, type AllocSender, type AllocationInput } from './sender-allocation.js';
import { minuteOf } from './rolling-quota.js';

const NOW = 1_800_000_000_000;
const S = (id: string, over: Partial<AllocSender> = {}): AllocSender => ({
  id, accountId: null, state: 'active', stateUntil: null, limit: null, used: 0, quotaFreeAt: null,
  nextSendAt: 0, intervalMs: 0, window: null, weight: 1, maxInFlight: null, inFlight: 0, ...over,
});
const run = (over: Partial<AllocationInput>) => allocate({ strategy: 'round_robin', senders: [], accounts: [], cursor: null, now: NOW, horizonMs: 60_000, count: 1, random: () => 0.5, ...over });

describe('allocate', () => {
  it('never gives a sender more than its daily limit: 3 × 5 for 20 messages places 15, 5 each', () => {
    const plan = run({ senders: [S('a', { limit: 5 }), S('b', { limit: 5 }), S('c', { limit: 5, used: 0 })], count: 20 });
    const placed = plan.placements.filter((p) => p.senderId !== null);
    expect(placed).toHaveLength(15);
    for (const id of ['a', 'b', 'c']) expect(placed.filter((p) => p.senderId === id)).toHaveLength(5);
    expect(plan.exhausted.sort()).toEqual(['a', 'b', 'c']);
    expect(plan.senders.get('a')!.buckets.get(minuteOf(NOW))).toBe(5);
    // The five left over wait, with no known time yet (the store dates quota exhaustion after the plan).
    expect(plan.placements.slice(15)).toEqual(Array(5).fill({ senderId: null, retryAt: null }));
  });

  it('round-robins in id order from the pool cursor', () => {
    const plan = run({ senders: [S('b'), S('a'), S('c')], cursor: 'a', count: 4 });
    expect(plan.placements.map((p) => p.senderId)).toEqual(['b', 'c', 'a', 'b']);
    expect(plan.cursor).toBe('b');
  });

  it('least_used sends from the sender with the most remaining quota', () => {
    const plan = run({ strategy: 'least_used', senders: [S('a', { limit: 10, used: 8 }), S('b', { limit: 10, used: 2 })], count: 3 });
    expect(plan.placements.map((p) => p.senderId)).toEqual(['b', 'b', 'b']);
  });

  it('skips paused, errored, cooling and exhausted senders, and waits for the earliest that frees', () => {
    const plan = run({
      senders: [
        S('a', { state: 'paused' }), S('b', { state: 'error' }),
        S('c', { state: 'cooling_down', stateUntil: NOW + 40_000 }),
        S('d', { limit: 3, used: 3, quotaFreeAt: NOW + 20_000 }),
      ],
    });
    expect(plan.placements).toEqual([{ senderId: null, retryAt: NOW + 20_000 }]);
  });

  it('says nothing frees by itself when every sender is paused or in error', () => {
    expect(run({ senders: [S('a', { state: 'paused' }), S('b', { state: 'error' })] }).placements).toEqual([{ senderId: null, retryAt: null }]);
  });

  it('spaces sends by the rate, reserving later slots within the horizon', () => {
    const plan = run({ senders: [S('a', { intervalMs: 500 })], count: 4, horizonMs: 1000 });
    expect(plan.placements).toEqual([
      { senderId: 'a', sendAt: NOW }, { senderId: 'a', sendAt: NOW + 500 }, { senderId: 'a', sendAt: NOW + 1000 },
      { senderId: null, retryAt: NOW + 1500 },
    ]);
    expect(plan.senders.get('a')!.nextSendAt).toBe(NOW + 1500);
  });

  it('prefers a sender free now over a reserved slot of another', () => {
    const plan = run({ senders: [S('a', { nextSendAt: NOW + 100, intervalMs: 100 }), S('b')], count: 2 });
    expect(plan.placements).toEqual([{ senderId: 'b', sendAt: NOW }, { senderId: 'b', sendAt: NOW }]);
  });

  it('holds an account rate across all its senders', () => {
    const plan = run({
      senders: [S('a', { accountId: 'sa' }), S('b', { accountId: 'sa' })],
      accounts: [{ id: 'sa', nextSendAt: 0, intervalMs: 200 }], count: 3, horizonMs: 10_000,
    });
    expect(plan.placements.map((p) => (p.senderId ? p.sendAt - NOW : null))).toEqual([0, 200, 400]);
    expect(plan.accounts.get('sa')).toBe(NOW + 600);
  });

  it('respects the in-flight maximum for sends now', () => {
    const plan = run({ senders: [S('a', { maxInFlight: 2, inFlight: 1 })], count: 2 });
    expect(plan.placements).toEqual([{ senderId: 'a', sendAt: NOW }, { senderId: null, retryAt: NOW + IN_FLIGHT_RETRY_MS }]);
  });

  it('waits for a sending window to open', () => {
    const window = { days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '00:01', timeZone: 'UTC' };
    const now = Date.UTC(2030, 0, 1, 12, 0);
    const plan = run({ now, senders: [S('a', { window })] });
    expect(plan.placements).toEqual([{ senderId: null, retryAt: Date.UTC(2030, 0, 2, 0, 0) }]);
  });

  it('weighted spreads by weight with the supplied randomness', () => {
    let r = 0;
    const draws = [0.1, 0.5, 0.9, 0.7];
    const plan = run({ strategy: 'weighted', senders: [S('a', { weight: 1 }), S('b', { weight: 3 })], count: 4, random: () => draws[r++]! });
    expect(plan.placements.map((p) => p.senderId)).toEqual(['a', 'b', 'b', 'b']);
  });
});

describe('placeHeld', () => {
  const NOW = 1_800_000_030_000; // mid-minute: on-time slots count in the same minute
  it('sends on time, moves a late slot to the next rate slot, gives back what cannot be honoured', () => {
    const a = S('a', { intervalMs: 500, nextSendAt: NOW + 300, used: 3 });
    expect(placeHeld(a, undefined, NOW - 100, NOW, true)).toEqual({ placement: { senderId: 'a', sendAt: NOW }, bucketDeltas: [] });
    expect(a.inFlight).toBe(1);
    const late = placeHeld(a, undefined, NOW - 400, NOW, true);
    expect(late.placement).toEqual({ senderId: 'a', sendAt: NOW + 300 });
    expect(a.nextSendAt).toBe(NOW + 800);
    expect(placeHeld(a, undefined, NOW - 60_000, NOW, true)).toEqual({ placement: null, bucketDeltas: [[minuteOf(NOW - 60_000), -1]] });
    expect(placeHeld(a, undefined, NOW, NOW, false).placement).toBeNull();
    expect(a.used).toBe(1);
    expect(placeHeld(undefined, undefined, NOW, NOW, true)).toEqual({ placement: null, bucketDeltas: [] });
  });
});
