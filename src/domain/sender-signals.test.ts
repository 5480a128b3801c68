import { describe, it, expect } from 'vitest';
import { ACCOUNT_COOLDOWN, EXHAUSTED_PROBE_MS, SENDER_COOLDOWN, cooldownMs, signalApplies, stateAfterSignal } from './sender-signals.js';

const NOW = 1_800_000_000_000;

describe('stateAfterSignal', () => {
  it('exhausted: until the provider retry time, else until our window frees a send, else an hourly probe', () => {
    expect(stateAfterSignal('exhausted', { now: NOW, retryAt: NOW + 5000, quotaFreeAt: NOW + 9000, strikes: 0, random: 0.5 })).toMatchObject({ state: 'exhausted', until: NOW + 5000, source: 'provider' });
    expect(stateAfterSignal('exhausted', { now: NOW, quotaFreeAt: NOW + 9000, strikes: 0, random: 0.5 }).until).toBe(NOW + 9000);
    expect(stateAfterSignal('exhausted', { now: NOW, quotaFreeAt: null, strikes: 0, random: 0.5 }).until).toBe(NOW + EXHAUSTED_PROBE_MS);
  });

  it('rate: cools down with jitter, doubling with each strike up to the cap', () => {
    const a = stateAfterSignal('rate', { now: NOW, quotaFreeAt: null, strikes: 0, random: 0.5 });
    expect(a).toEqual({ state: 'cooling_down', until: NOW + SENDER_COOLDOWN.baseMs, source: 'provider', strikes: 1 });
    expect(stateAfterSignal('rate', { now: NOW, quotaFreeAt: null, strikes: 1, random: 0.5 }).until).toBe(NOW + 2 * SENDER_COOLDOWN.baseMs);
    expect(cooldownMs(SENDER_COOLDOWN, 50, 0.5)).toBe(SENDER_COOLDOWN.maxMs);
    expect(cooldownMs(SENDER_COOLDOWN, 0, 0)).toBe(SENDER_COOLDOWN.baseMs * 0.75);
    expect(cooldownMs(SENDER_COOLDOWN, 0, 0.999)).toBeLessThanOrEqual(SENDER_COOLDOWN.baseMs * 1.25);
  });

  it('account_rate cools down for the account spec', () => {
    expect(stateAfterSignal('account_rate', { now: NOW, quotaFreeAt: null, strikes: 0, random: 0.5 }).until).toBe(NOW + ACCOUNT_COOLDOWN.baseMs);
  });

  it('never overrides a pause or a login error', () => {
    expect(signalApplies('paused')).toBe(false);
    expect(signalApplies('error')).toBe(false);
    expect(signalApplies('cooling_down')).toBe(true);
  });
});
