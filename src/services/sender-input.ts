import { AppError, invalid } from '../domain/errors.js';
import { addressProblem } from '../domain/address.js';
import { hasLineBreak } from '../domain/headers.js';
import type { SenderLimits } from '../domain/sender.js';
import { windowProblem, type SendingWindow } from '../domain/sending-window.js';
import type { WarmupSpec } from '../domain/warmup.js';
import type { CreateSender } from './sender-schema.js';

type LimitInput = Pick<CreateSender, 'daily_limit' | 'per_second' | 'per_minute' | 'max_in_flight' | 'warmup' | 'window'>;

/** A checked sending window from the API shape; an unknown time zone or a bad time names its field. */
export function toWindow(w: NonNullable<CreateSender['window']>): SendingWindow {
  const window: SendingWindow = { days: [...new Set(w.days)].sort(), start: w.start, end: w.end, timeZone: w.time_zone };
  const problem = windowProblem(window);
  if (problem) {
    const [name, ...rest] = problem.split(': ');
    const field = name === 'timeZone' ? 'time_zone' : name!;
    throw invalid(`window.${field}`, rest.join(': '));
  }
  return window;
}

/** A checked warm-up ramp from the API shape (day 0 = `start`, or now). */
export function toWarmup(w: NonNullable<CreateSender['warmup']>, now: number): WarmupSpec {
  if (w.max < w.initial) throw invalid('warmup.max', 'must be at least warmup.initial');
  const startedAt = w.start === undefined ? now : Date.parse(w.start);
  return { initial: w.initial, growth: w.growth, max: w.max, startedAt };
}

/** The limits a request sets (only those it names), checked. */
export function limitsFrom(req: LimitInput, now: number): Partial<SenderLimits> {
  const out: Partial<SenderLimits> = {};
  if (req.daily_limit !== undefined) out.dailyLimit = req.daily_limit;
  if (req.per_second !== undefined) out.perSecond = req.per_second;
  if (req.per_minute !== undefined) out.perMinute = req.per_minute;
  if (req.max_in_flight !== undefined) out.maxInFlight = req.max_in_flight;
  if (req.warmup !== undefined) out.warmup = req.warmup === null ? null : toWarmup(req.warmup, now);
  if (req.window !== undefined) out.window = req.window === null ? null : toWindow(req.window);
  return out;
}

/** A checked sender address and display name (no CR/LF: they become headers). */
export function checkIdentity(email: string | undefined, fromName: string | null | undefined): void {
  const injection = (field: string) => new AppError('HEADER_INJECTION', `${field}: must not contain CR or LF`, { field });
  if (email !== undefined) {
    if (hasLineBreak(email)) throw injection('email');
    const p = addressProblem(email);
    if (p) throw invalid('email', p);
  }
  if (fromName && hasLineBreak(fromName)) throw injection('from_name');
}
