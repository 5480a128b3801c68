import type { SendOutcome } from '../../../ports/transport.js';

/** A failed SendOutcome. */
export type FailedOutcome = Extract<SendOutcome, { ok: false }>;

/** What the AWS SDK puts on a service error (its `name` is SES's error code). */
interface AwsError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLE = new Set(['TooManyRequestsException', 'Throttling', 'ThrottlingException']);
const PERMANENT = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'BadRequestException', 'NotFoundException']);
const ACCOUNT = new Set(['AccountSuspendedException', 'SendingPausedException']);

/**
 * Classify an SES v2 SendEmail error (issue 4): throttling → transient with `throttle`; LimitExceededException
 * (the daily sending quota) → sender `exhausted`; a rejected message, an unverified MAIL FROM domain, a bad
 * request or an unknown identity → permanent; a suspended account or paused sending → `account_rate`;
 * 5xx, timeouts, network errors and anything else (e.g. refused credentials) → transient.
 */
export function classifySesError(err: unknown): FailedOutcome {
  const e = (err ?? {}) as AwsError;
  const name = e.name && e.name !== 'Error' ? e.name : e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const response = `ses${status ? ` ${status}` : ''} ${name}: ${e.message || 'no message'}`;
  const failure: FailedOutcome = { ok: false, permanent: false, ...(status ? { code: status } : {}), response };
  if (THROTTLE.has(name)) return { ...failure, throttle: true };
  if (name === 'LimitExceededException') return { ...failure, sender: { kind: 'exhausted' } };
  if (ACCOUNT.has(name)) return { ...failure, sender: { kind: 'account_rate' } };
  if (PERMANENT.has(name)) return { ...failure, permanent: true };
  return failure;
}
