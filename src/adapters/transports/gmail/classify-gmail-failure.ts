import type { SendOutcome, SenderSignal } from '../../../ports/transport.js';
import { parseGoogleError } from '../../google/google-error.js';
import { retryAtFrom } from './retry-at.js';

/** A failed SendOutcome. */
export type FailedOutcome = Extract<SendOutcome, { ok: false }>;

const EXHAUSTED_TEXT = /\(Mail sending\)|daily user sending limit exceeded/i;

/**
 * Classify a Gmail `users.messages.send` error answer (Gmail API guide, "Resolve errors"; issue 4):
 * - 429 "User-rate limit exceeded … (Mail sending)" / "Daily user sending limit exceeded" → the user's daily
 *   sending quota is spent: sender `exhausted` (until Google's "Retry after" time or Retry-After, when given);
 * - 403/429 `userRateLimitExceeded`, and any other 429 (per-user concurrency or bandwidth) → sender `rate`;
 * - 403 `rateLimitExceeded` / `dailyLimitExceeded` (the project's limits) → `account_rate`;
 * - 400 and 413 (the message itself is refused) → permanent, with Google's message;
 * - 5xx, and other 4xx (401, 403 delegation or domain policy, 404: the sender's setup, not the recipient) → transient.
 * Quota answers are transient: the message moves to another sender, it is not the message's fault.
 */
export function classifyGmailFailure(status: number, bodyText: string, retryAfterHeader: string | null, now: number): FailedOutcome {
  const doc = parseGoogleError(status, bodyText);
  const response = `gmail ${status}${doc.reasons.length ? ` ${doc.reasons.join(',')}` : ''}: ${doc.message}`;
  const failure: FailedOutcome = { ok: false, permanent: false, code: status, response };
  const signal = (kind: SenderSignal['kind']): FailedOutcome => {
    const retryAt = retryAtFrom(doc.message, retryAfterHeader, now);
    return { ...failure, sender: retryAt === undefined ? { kind } : { kind, retryAt } };
  };
  const reason = (r: string) => doc.reasons.includes(r);
  if (status === 429 && EXHAUSTED_TEXT.test(doc.message)) return signal('exhausted');
  if ((status === 403 || status === 429) && reason('userRateLimitExceeded')) return signal('rate');
  if (status === 403 && (reason('rateLimitExceeded') || reason('dailyLimitExceeded'))) return signal('account_rate');
  if (status === 429) return signal('rate');
  if (status === 400 || status === 413) return { ...failure, permanent: true };
  return failure;
}
