import { describe, it, expect } from 'vitest';
import { retryAtFrom } from './retry-at.js';

const now = Date.parse('2026-05-01T12:00:00.000Z');

describe('retryAtFrom', () => {
  it('reads the RFC 3339 time Gmail puts in its message', () => {
    expect(retryAtFrom('User-rate limit exceeded.  Retry after 2026-05-02T09:00:00.000Z (Mail sending)', null, now)).toBe(Date.parse('2026-05-02T09:00:00.000Z'));
    expect(retryAtFrom('User-rate limit exceeded. Retry after 2026-05-01T12:30:00Z', null, now)).toBe(Date.parse('2026-05-01T12:30:00Z'));
    // An offset instead of Z: 14:30 at +02:00 is 12:30 UTC.
    expect(retryAtFrom('Retry after 2026-05-01T14:30:00+02:00', null, now)).toBe(Date.parse('2026-05-01T12:30:00Z'));
  });

  it('falls back to a Retry-After header in seconds or as an HTTP date', () => {
    expect(retryAtFrom('Rate Limit Exceeded', '120', now)).toBe(now + 120_000);
    expect(retryAtFrom('Rate Limit Exceeded', 'Fri, 01 May 2026 12:05:00 GMT', now)).toBe(Date.parse('2026-05-01T12:05:00Z'));
  });

  it('prefers the message over the header, and ignores times in the past or unreadable ones', () => {
    expect(retryAtFrom('Retry after 2026-05-01T13:00:00Z', '60', now)).toBe(Date.parse('2026-05-01T13:00:00Z'));
    expect(retryAtFrom('Retry after 2026-04-30T13:00:00Z', null, now)).toBeUndefined();
    expect(retryAtFrom('Retry after 2026-04-30T13:00:00Z', '30', now)).toBe(now + 30_000);
    expect(retryAtFrom('Rate Limit Exceeded', 'soon', now)).toBeUndefined();
    expect(retryAtFrom('Rate Limit Exceeded', null, now)).toBeUndefined();
  });
});
