import { classifyReply, formatReply, parseReply, type SmtpReply } from '../../../domain/smtp-reply.js';
import type { SendOutcome } from '../../../ports/transport.js';
import type { RawReply } from './reply-reader.js';

/** Why a connection could not be used: a timeout, a drop, a refused step (with the relay's reply), or TLS. */
export type SmtpErrorKind = 'timeout' | 'closed' | 'reply' | 'tls' | 'protocol' | 'setup';

/**
 * An error of one connection. Its message names the relay and the step, never a password. Whatever the kind,
 * the messages it affects are retried later (transient): none of this is the recipient's fault.
 */
export class SmtpError extends Error {
  constructor(readonly kind: SmtpErrorKind, message: string, readonly reply?: SmtpReply) {
    super(message);
    this.name = 'SmtpError';
  }
}

/** Turn raw reply lines into a parsed reply (a line the reader accepted always parses). */
export function toReply(raw: RawReply): SmtpReply {
  return parseReply(raw.lines) ?? { code: raw.code, text: '' };
}

/** The failure outcome a reply stands for (5yz permanent, else transient; X.4.5 transient; throttle flagged). */
export function replyFailure(raw: RawReply): SendOutcome & { ok: false } {
  const r = toReply(raw);
  const v = classifyReply(r);
  // A positive reply where a failure was expected (e.g. 250 to DATA) is a protocol error: retry.
  return { ok: false, permanent: v.kind === 'permanent', code: r.code, enhancedCode: r.enhanced, response: formatReply(r), throttle: v.throttle };
}

/** The transient outcome for a message caught by a connection error. */
export function errorFailure(err: unknown, prefix = ''): SendOutcome & { ok: false } {
  if (err instanceof SmtpError && err.reply) {
    const v = classifyReply(err.reply);
    return { ok: false, permanent: false, code: err.reply.code, enhancedCode: err.reply.enhanced, response: `${prefix}${err.message}`, throttle: v.throttle };
  }
  return { ok: false, permanent: false, response: `${prefix}${(err as Error).message}` };
}
