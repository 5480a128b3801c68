import { describe, it, expect } from 'vitest';
import { classifyGmailFailure } from './classify-gmail-failure.js';

const now = Date.parse('2026-05-01T12:00:00.000Z');
const doc = (code: number, message: string, reason: string, domain = 'usageLimits') =>
  JSON.stringify({ error: { code, message, errors: [{ message, domain, reason }], status: code === 429 ? 'RESOURCE_EXHAUSTED' : 'PERMISSION_DENIED' } });

describe('classifyGmailFailure', () => {
  it('429 "(Mail sending)": the user is exhausted until Google\'s retry time', () => {
    const o = classifyGmailFailure(429, doc(429, 'User-rate limit exceeded.  Retry after 2026-05-02T09:00:00.000Z (Mail sending)', 'rateLimitExceeded'), null, now);
    expect(o).toEqual({
      ok: false, permanent: false, code: 429,
      response: 'gmail 429 rateLimitExceeded: User-rate limit exceeded.  Retry after 2026-05-02T09:00:00.000Z (Mail sending)',
      sender: { kind: 'exhausted', retryAt: Date.parse('2026-05-02T09:00:00.000Z') },
    });
  });

  it('429 "Daily user sending limit exceeded": exhausted, without a time when Google gives none', () => {
    const o = classifyGmailFailure(429, doc(429, 'Daily user sending limit exceeded.', 'dailyLimitExceeded'), null, now);
    expect(o).toMatchObject({ permanent: false, code: 429, sender: { kind: 'exhausted' } });
    expect(o.sender).not.toHaveProperty('retryAt');
  });

  it('403 and 429 userRateLimitExceeded: that user slows down', () => {
    expect(classifyGmailFailure(403, doc(403, 'User Rate Limit Exceeded', 'userRateLimitExceeded'), null, now)).toMatchObject({ permanent: false, code: 403, sender: { kind: 'rate' } });
    expect(classifyGmailFailure(429, doc(429, 'User-rate limit exceeded.  Retry after 2026-05-01T12:01:00.000Z', 'userRateLimitExceeded'), null, now))
      .toMatchObject({ permanent: false, code: 429, sender: { kind: 'rate', retryAt: now + 60_000 } });
  });

  it('403 rateLimitExceeded / dailyLimitExceeded: the project (service account) slows down', () => {
    expect(classifyGmailFailure(403, doc(403, 'Rate Limit Exceeded', 'rateLimitExceeded'), null, now)).toMatchObject({ permanent: false, sender: { kind: 'account_rate' } });
    expect(classifyGmailFailure(403, doc(403, 'Daily Limit Exceeded', 'dailyLimitExceeded'), null, now)).toMatchObject({ permanent: false, sender: { kind: 'account_rate' } });
  });

  it('any other 429 (concurrent requests, bandwidth) slows the user, with Retry-After when given', () => {
    expect(classifyGmailFailure(429, doc(429, 'Too many concurrent requests for user.', 'rateLimitExceeded'), '30', now))
      .toMatchObject({ permanent: false, sender: { kind: 'rate', retryAt: now + 30_000 } });
  });

  it('400 and 413 fail the message permanently with Google\'s message; 5xx and other 4xx are transient without a signal', () => {
    const bad = classifyGmailFailure(400, doc(400, 'Invalid To header', 'invalidArgument', 'global'), null, now);
    expect(bad).toEqual({ ok: false, permanent: true, code: 400, response: 'gmail 400 invalidArgument: Invalid To header' });
    expect(classifyGmailFailure(413, 'Request Entity Too Large', null, now)).toMatchObject({ permanent: true, code: 413 });
    for (const status of [500, 502, 503, 504, 401, 404]) {
      const o = classifyGmailFailure(status, doc(status, 'Backend Error', 'backendError', 'global'), null, now);
      expect(o.permanent).toBe(false);
      expect(o.sender).toBeUndefined();
    }
    const policy = classifyGmailFailure(403, doc(403, 'The domain administrators have disabled Gmail apps.', 'domainPolicy', 'global'), null, now);
    expect(policy).toMatchObject({ permanent: false, response: 'gmail 403 domainPolicy: The domain administrators have disabled Gmail apps.' });
    expect(policy.sender).toBeUndefined();
  });

  it('keeps a short excerpt of a body that is not Google\'s JSON', () => {
    const o = classifyGmailFailure(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', null, now);
    expect(o).toEqual({ ok: false, permanent: false, code: 502, response: 'gmail 502: 502 Bad Gateway' });
  });
});
