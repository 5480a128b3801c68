import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorCode } from '../../domain/errors.js';

/** HTTP status for each catalogue code; the only place codes meet HTTP. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  HEADER_INJECTION: 400,
  TEMPLATE_NOT_FOUND: 404,
  TEMPLATE_INACTIVE: 422,
  TEMPLATE_SYNTAX: 400,
  TEMPLATE_RENDER_FAILED: 422,
  TEMPLATE_EXISTS: 409,
  RECIPIENT_SUPPRESSED: 422,
  SUPPRESSION_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  MESSAGE_NOT_CANCELLABLE: 409,
  BATCH_TOO_LARGE: 400,
  SENDER_NOT_FOUND: 404,
  SENDER_EXISTS: 409,
  SERVICE_ACCOUNT_NOT_FOUND: 404,
  SERVICE_ACCOUNT_EXISTS: 409,
  POOL_NOT_FOUND: 404,
  POOL_EXISTS: 409,
  POOL_EMPTY: 422,
  POOL_IN_USE: 409,
  DIRECTORY_SYNC_FAILED: 502,
  API_KEY_NOT_FOUND: 404,
  CONTACT_NOT_FOUND: 404,
  CONTACT_EXISTS: 409,
  SEGMENT_NOT_FOUND: 404,
  SEGMENT_RULE_INVALID: 400,
  IMPORT_NOT_FOUND: 404,
  CSV_INVALID: 400,
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_INVALID_TRANSITION: 409,
  CAMPAIGN_NOT_EDITABLE: 409,
  CAMPAIGN_AUDIENCE_EMPTY: 422,
  UNSUBSCRIBE_TOKEN_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  STORE_UNAVAILABLE: 503,
  LIMITER_UNAVAILABLE: 503,
  SERVICE_ACCOUNT_KEY_MALFORMED: 400,
  SERVICE_ACCOUNT_KEY_NOT_SERVICE_ACCOUNT: 400,
  SERVICE_ACCOUNT_KEY_MISSING_FIELD: 400,
  SERVICE_ACCOUNT_KEY_BAD_PRIVATE_KEY: 400,
  CONFIG_INVALID: 400,
  INTERNAL: 500,
};

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turn a schema validation failure into VALIDATION_FAILED naming the field (e.g. `to`, `headers.X-Foo`). */
function fromValidation(errors: AjvError[], context: string): AppError {
  const e = errors[0]!;
  let field = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = String(e.params.additionalProperty);
    field = field ? `${field}.${extra}` : extra;
    message = 'is not a known field';
  } else if (e.keyword === 'required') {
    const missing = String(e.params.missingProperty);
    field = field ? `${field}.${missing}` : missing;
    message = 'is required';
  }
  if (!field) field = context === 'body' ? '(body)' : context;
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}

/** Map any error to the catalogue: known codes keep their message, anything else becomes INTERNAL (logged, never shown). */
export function toAppError(err: FastifyError & { validation?: AjvError[]; validationContext?: string }): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) return fromValidation(err.validation, err.validationContext ?? 'body');
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('VALIDATION_FAILED', '(body): a JSON body is required', { field: '(body)' });
  }
  if (err.statusCode === 400) return new AppError('VALIDATION_FAILED', `(body): ${err.message}`, { field: '(body)' });
  if ((err as { code?: string }).code === 'ECONNREFUSED' || /SQLITE_BUSY|database is locked|Connection terminated/.test(err.message ?? '')) {
    return new AppError('STORE_UNAVAILABLE', 'the store is not reachable; nothing was written, retry', { retryable: true, cause: err });
  }
  return new AppError('INTERNAL', 'an unexpected error occurred; see the server log', { cause: err });
}

/** Install the JSON error shape `{error:{code,message,field?}}` for errors and unknown routes. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toAppError(err);
    const status = HTTP_STATUS[e.code];
    if (status >= 500) req.log.error({ err }, 'request failed');
    const body: { error: { code: string; message: string; field?: string; details?: unknown } } = { error: { code: e.code, message: e.message } };
    if (e.field) body.error.field = e.field;
    if (e.details) body.error.details = e.details;
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
