// Test support: the error documents Google's APIs answer with, as the Gmail API guide ("Resolve errors"), the
// Admin SDK and observed answers show them: {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
// The token endpoint's refusals are OAuth 2.0 documents: {"error","error_description"}.

/** A Google API error answer: status, JSON body, extra headers. */
export interface GoogleErrorAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The Gmail answers a test can script by name. */
export type GmailErrorKind =
  | 'mailSending' // 429, the user's daily sending limit ("(Mail sending)"), with a Retry after time
  | 'dailySending' // 429 "Daily user sending limit exceeded."
  | 'userRateLimit' // 403 userRateLimitExceeded
  | 'userRateLimit429' // 429 userRateLimitExceeded
  | 'concurrentRequests' // 429 "Too many concurrent requests for user."
  | 'projectRateLimit' // 403 rateLimitExceeded (the project's per-minute limit)
  | 'projectDailyLimit' // 403 dailyLimitExceeded (the project's daily limit)
  | 'backendError' // 500
  | 'unavailable' // 503
  | 'invalidTo' // 400 "Invalid To header"
  | 'authError' // 401 invalid credentials
  | 'insufficientPermissions' // 403, the token lacks the scope
  | 'domainPolicy'; // 403, the domain disabled Gmail apps

/** Google's error document. */
export function googleError(code: number, message: string, reason: string, domain = 'global', status?: string): GoogleErrorAnswer {
  return { status: code, body: { error: { code, message, errors: [{ message, domain, reason }], ...(status ? { status } : {}) } } };
}

/** The document for a named Gmail error; `retryAt` (epoch ms) is the time the quota errors name. */
export function gmailError(kind: GmailErrorKind, retryAt: number): GoogleErrorAnswer {
  const at = new Date(retryAt).toISOString();
  switch (kind) {
    case 'mailSending':
      return googleError(429, `User-rate limit exceeded.  Retry after ${at} (Mail sending)`, 'rateLimitExceeded', 'usageLimits', 'RESOURCE_EXHAUSTED');
    case 'dailySending':
      return googleError(429, 'Daily user sending limit exceeded.', 'dailyLimitExceeded', 'usageLimits', 'RESOURCE_EXHAUSTED');
    case 'userRateLimit':
      return googleError(403, 'User Rate Limit Exceeded', 'userRateLimitExceeded', 'usageLimits', 'PERMISSION_DENIED');
    case 'userRateLimit429':
      return googleError(429, `User-rate limit exceeded.  Retry after ${at}`, 'userRateLimitExceeded', 'usageLimits', 'RESOURCE_EXHAUSTED');
    case 'concurrentRequests':
      return googleError(429, 'Too many concurrent requests for user.', 'rateLimitExceeded', 'usageLimits', 'RESOURCE_EXHAUSTED');
    case 'projectRateLimit':
      return googleError(403, 'Rate Limit Exceeded', 'rateLimitExceeded', 'usageLimits', 'PERMISSION_DENIED');
    case 'projectDailyLimit':
      return googleError(403, 'Daily Limit Exceeded', 'dailyLimitExceeded', 'usageLimits', 'PERMISSION_DENIED');
    case 'backendError':
      return googleError(500, 'Backend Error', 'backendError', 'global', 'INTERNAL');
    case 'unavailable':
      return googleError(503, 'The service is currently unavailable.', 'backendError', 'global', 'UNAVAILABLE');
    case 'invalidTo':
      return googleError(400, 'Invalid To header', 'invalidArgument', 'global', 'INVALID_ARGUMENT');
    case 'authError':
      return unauthenticated();
    case 'insufficientPermissions':
      return googleError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions', 'global', 'PERMISSION_DENIED');
    case 'domainPolicy':
      return googleError(403, 'The domain administrators have disabled Gmail apps.', 'domainPolicy', 'global', 'PERMISSION_DENIED');
  }
}

/** 401 for a missing, unknown, expired or revoked access token. */
export function unauthenticated(): GoogleErrorAnswer {
  const message = 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    body: { error: { code: 401, message, errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }], status: 'UNAUTHENTICATED' } },
  };
}

/** An OAuth 2.0 refusal from the token endpoint. */
export function oauthError(status: number, error: string, description: string): GoogleErrorAnswer {
  return { status, body: { error, error_description: description } };
}

/** The token endpoint's refusal when domain-wide delegation does not cover the scope. */
export const UNAUTHORIZED_CLIENT = (): GoogleErrorAnswer =>
  oauthError(401, 'unauthorized_client', 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.');

/** The token endpoint's refusal when `sub` is not a user of the domain. */
export const INVALID_USER = (): GoogleErrorAnswer => oauthError(400, 'invalid_grant', 'Invalid email or User ID');

/** The token endpoint's refusal of a bad signature (or a key it does not know by that kid). */
export const INVALID_SIGNATURE = (): GoogleErrorAnswer => oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');

/** The token endpoint's refusal of iat/exp outside what it accepts. */
export const BAD_TIMES = (): GoogleErrorAnswer =>
  oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
