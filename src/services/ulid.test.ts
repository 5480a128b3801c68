import { describe, it, expect } from 'vitest';
import { decodeTime, monotonicFactory } from 'ulid';
import { monotonicUlid } from './ulid.js';

const FORMAT = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('monotonicUlid', () => {
  it('makes valid ULIDs whose time part is the given millisecond, as the ulid package reads it', () => {
    const next = monotonicUlid();
    const t = Date.UTC(2026, 10, 23, 16, 0, 0, 123);
    const id = next(t);
    expect(id).toMatch(FORMAT);
    expect(decodeTime(id)).toBe(t);
    expect(monotonicUlid()(0).slice(0, 10)).toBe('0000000000');
    expect(monotonicUlid()(0xffff_ffff_ffff).slice(0, 10)).toBe('7ZZZZZZZZZ');
  });

  it('sorts in creation order within one millisecond, across milliseconds and when the clock steps back', () => {
    const next = monotonicUlid();
    const ids: string[] = [];
    const t = 1_790_000_000_000;
    for (let i = 0; i < 5_000; i++) ids.push(next(t + Math.floor(i / 1000) - (i === 2500 ? 3 : 0)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // Same contract as the package's factory: within one millisecond the random part is incremented by one.
    const pkg = monotonicFactory();
    const a = pkg(t);
    const b = pkg(t);
    const c = next(t + 10);
    const d = next(t + 10);
    expect(b > a && d > c).toBe(true);
  });

  it('carries the increment over digits at Z', () => {
    const next = monotonicUlid();
    const t = 1_790_000_000_000;
    let prev = next(t);
    for (let i = 0; i < 100; i++) {
      const id = next(t);
      expect(id > prev).toBe(true);
      expect(id.slice(0, 10)).toBe(prev.slice(0, 10));
      prev = id;
    }
  });

  it('draws fresh randomness for each new millisecond, spread over the alphabet', () => {
    const next = monotonicUlid();
    const seen = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) for (const ch of next(1_790_000_000_000 + i).slice(10)) seen.set(ch, (seen.get(ch) ?? 0) + 1);
    expect(seen.size).toBe(32);
    // 32,000 characters: each of 32 symbols ~1,000 times; a biased encoding would leave some far off.
    for (const n of seen.values()) expect(n).toBeGreaterThan(800);
  });

  it('refuses a time that is not a 48-bit millisecond count', () => {
    expect(() => monotonicUlid()(-1)).toThrow(/48-bit/);
    expect(() => monotonicUlid()(2 ** 48)).toThrow(/48-bit/);
    expect(() => monotonicUlid()(1.5)).toThrow(/48-bit/);
  });
});
