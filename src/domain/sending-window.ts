/** When a sender may send: on these weekdays (0 = Sunday … 6 = Saturday), from `start` to `end` local time. */
export interface SendingWindow {
  days: number[];
  /** "HH:MM", inclusive. */
  start: string;
  /** "HH:MM", exclusive; an end before the start spans midnight. */
  end: string;
  /** IANA time zone, e.g. "Europe/Paris". */
  timeZone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Why a window is invalid (naming the field), or null. */
export function windowProblem(w: SendingWindow): string | null {
  try {
    formatter(w.timeZone);
  } catch {
    return `timeZone: "${w.timeZone}" is not an IANA time zone`;
  }
  if (!HHMM.test(w.start)) return 'start: must be HH:MM (00:00–23:59)';
  if (!HHMM.test(w.end)) return 'end: must be HH:MM (00:00–23:59)';
  if (w.start === w.end) return 'end: must differ from start';
  if (w.days.length === 0 || w.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) return 'days: must list weekdays 0 (Sunday) to 6 (Saturday)';
  return null;
}

const DAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** True when `now` is inside the window, in the window's own time zone (DST included). */
export function isInWindow(w: SendingWindow, now: number): boolean {
  const parts = formatter(w.timeZone).formatToParts(new Date(now));
  const get = (t: string): string => parts.find((p) => p.type === t)!.value;
  const day = DAY_INDEX[get('weekday')]!;
  const m = Number(get('hour')) * 60 + Number(get('minute'));
  const s = minutes(w.start);
  const e = minutes(w.end);
  if (s < e) return w.days.includes(day) && m >= s && m < e;
  // Spans midnight: the part after midnight belongs to the previous day's window.
  return (w.days.includes(day) && m >= s) || (w.days.includes((day + 6) % 7) && m < e);
}

/** The first minute at or after `now` inside the window (within 8 days; a valid window always has one). */
export function nextWindowOpen(w: SendingWindow, now: number): number {
  if (isInWindow(w, now)) return now;
  const start = Math.ceil(now / 60_000) * 60_000;
  // Coarse steps of 15 minutes, then back to the exact minute: boundaries are whole minutes.
  for (let t = start; t < now + 8 * 24 * 3600_000; t += 15 * 60_000) {
    if (!isInWindow(w, t)) continue;
    let exact = t;
    while (exact - 60_000 >= start && isInWindow(w, exact - 60_000)) exact -= 60_000;
    return exact;
  }
  throw new Error('sending window never opens');
}
