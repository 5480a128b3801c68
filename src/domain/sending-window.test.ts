import { describe, it, expect } from 'vitest';
import { isInWindow, nextWindowOpen, windowProblem, type SendingWindow } from './sending-window.js';

const weekdaysParis: SendingWindow = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:30', timeZone: 'Europe/Paris' };

describe('sending windows', () => {
  it('reads the time in the window’s own zone, summer time included', () => {
    // Monday 23 Nov 2026 08:30 UTC = 09:30 in Paris (UTC+1).
    expect(isInWindow(weekdaysParis, Date.UTC(2026, 10, 23, 8, 30))).toBe(true);
    expect(isInWindow(weekdaysParis, Date.UTC(2026, 10, 23, 7, 30))).toBe(false);
    // Monday 6 July 2026 07:30 UTC = 09:30 in Paris (UTC+2).
    expect(isInWindow(weekdaysParis, Date.UTC(2026, 6, 6, 7, 30))).toBe(true);
    // Saturday.
    expect(isInWindow(weekdaysParis, Date.UTC(2026, 10, 28, 10, 0))).toBe(false);
  });

  it('finds the next opening: Friday evening → Monday 09:00 local', () => {
    const fridayEvening = Date.UTC(2026, 10, 27, 18, 0);
    expect(nextWindowOpen(weekdaysParis, fridayEvening)).toBe(Date.UTC(2026, 10, 30, 8, 0));
    const inside = Date.UTC(2026, 10, 23, 10, 0);
    expect(nextWindowOpen(weekdaysParis, inside)).toBe(inside);
  });

  it('handles windows across midnight', () => {
    const night: SendingWindow = { days: [0, 1, 2, 3, 4, 5, 6], start: '22:00', end: '06:00', timeZone: 'UTC' };
    expect(isInWindow(night, Date.UTC(2026, 10, 23, 23, 0))).toBe(true);
    expect(isInWindow(night, Date.UTC(2026, 10, 24, 5, 59))).toBe(true);
    expect(isInWindow(night, Date.UTC(2026, 10, 24, 6, 0))).toBe(false);
  });

  it('names what is wrong with a window', () => {
    expect(windowProblem({ ...weekdaysParis, timeZone: 'Mars/Olympus' })).toMatch(/^timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect(windowProblem({ ...weekdaysParis, start: '9:00' })).toMatch(/^start:/);
    expect(windowProblem({ ...weekdaysParis, days: [7] })).toMatch(/^days:/);
    expect(windowProblem(weekdaysParis)).toBeNull();
  });
});
