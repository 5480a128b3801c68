/**
 * The error catalogue: every error Postflow reports to a client carries one of these stable codes.
 * HTTP status mapping lives in adapters/http; `docs/errors.md` documents each code (a test checks it).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'A field of the request is missing, malformed or not allowed.',
  HEADER_INJECTION: 'A header value (subject, name, custom header) contains CR or LF.',
  TEMPLATE_NOT_FOUND: 'The named template does not exist or has been deleted.',
  TEMPLATE_INACTIVE: 'The named template exists but is not active.',
  TEMPLATE_SYNTAX: 'A template (or inline content) is not valid Liquid; the message names line and column.',
  TEMPLATE_RENDER_FAILED: 'A template could not be rendered with the given variables.',
  TEMPLATE_EXISTS: 'A template with this id already exists.',
  RECIPIENT_SUPPRESSED: 'The recipient is on the suppression list (bounced, complained, unsubscribed or listed by hand).',
  SUPPRESSION_NOT_FOUND: 'The address is not on the suppression list.',
  MESSAGE_NOT_FOUND: 'No message has this id.',
  MESSAGE_NOT_CANCELLABLE: 'The message has already been handed to a transport or has finished.',
  BATCH_TOO_LARGE: 'A batch holds more items than allowed (10,000).',
  SENDER_NOT_FOUND: 'No sender has this id.',
  SENDER_EXISTS: 'A sender with this id already exists.',
  SERVICE_ACCOUNT_NOT_FOUND: 'No service account has this id.',
  SERVICE_ACCOUNT_EXISTS: 'This service account (its client_email) is already registered.',
  POOL_NOT_FOUND: 'No sender pool has this id (also on a message naming `sender_pool`).',
  POOL_EXISTS: 'A sender pool with this id already exists.',
  POOL_EMPTY: 'The sender pool has no senders (no member senders, and no users synced for its member service accounts).',
  POOL_IN_USE: 'The sender pool still has messages waiting for it; it cannot be deleted now.',
  DIRECTORY_SYNC_FAILED: "Listing the Workspace domain's users failed (token refused, delegation missing, Google unreachable); nothing changed.",
  API_KEY_NOT_FOUND: 'No API key has this id.',
  CONTACT_NOT_FOUND: 'No contact has this id, email or external id.',
  CONTACT_EXISTS: 'Another contact already has this email or external id.',
  SEGMENT_NOT_FOUND: 'No segment has this id.',
  SEGMENT_RULE_INVALID: 'A segment rule is malformed; the field names the offending part, e.g. rule.all[2].op.',
  IMPORT_NOT_FOUND: 'No contact import has this id.',
  CSV_INVALID: 'A CSV file cannot be imported at all (no email column, not UTF-8, unknown mapping…); nothing was written.',
  CAMPAIGN_NOT_FOUND: 'No campaign has this id.',
  CAMPAIGN_INVALID_TRANSITION: 'The campaign cannot make this move from its current status (e.g. resume a running campaign).',
  CAMPAIGN_NOT_EDITABLE: 'The campaign has started (or finished): only its pacing can change now, or nothing once finished.',
  CAMPAIGN_AUDIENCE_EMPTY: 'The campaign audience has no subscribed contact; nothing would be sent.',
  UNSUBSCRIBE_TOKEN_INVALID: 'An unsubscribe link is malformed, altered or not signed by this installation; nothing changed.',
  UNAUTHORIZED: 'No API key, or an unknown or revoked one, was presented.',
  FORBIDDEN: 'The API key lacks the scope this route needs.',
  RATE_LIMITED: 'The API key sent more requests than its rate limit allows; retry after the given time.',
  NOT_FOUND: 'No route matches this method and path.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the route accepts.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body is not of the type the route takes (JSON; CSV for contact imports).',
  STORE_UNAVAILABLE: 'The store could not be reached; nothing was written. Retry.',
  LIMITER_UNAVAILABLE: 'The shared rate limiter (Redis at POSTFLOW_REDIS_URL) could not be reached; throttled messages are deferred, never sent unthrottled.',
  SERVICE_ACCOUNT_KEY_MALFORMED: 'A service-account key is not JSON, or not a JSON object.',
  SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT: 'A Google key whose `type` is not "service_account" (e.g. an OAuth client or user credential).',
  SERVICE_ACCOUNT_KEY_MISSING_FIELD: 'A service-account key lacks a field Postflow needs (`private_key`, `client_email`), or it is empty or malformed.',
  SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY: 'The `private_key` of a service-account key is not an unencrypted PEM RSA private key.',
  CONFIG_INVALID: 'A configuration value is invalid; the message names the variable.',
  INTERNAL: 'An unexpected error; details are in the server log, never in the response.',
} as const;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meant for a client: a stable code, a human message, and the offending field when there is one. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { field?: string; retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = opts.field;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

/** Shorthand for a VALIDATION_FAILED error on one field. */
export function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}
