// SMTP replies as data: parsing (RFC 5321 §4.2, RFC 2034 enhanced codes) and what a reply means for the
// message (RFC 3463 classes and subjects). Pure: the smtp transport feeds it lines it read off a socket.

/** One SMTP reply: the three-digit code, the RFC 3463 enhanced code when the server gave one, and the text. */
export interface SmtpReply {
  code: number;
  /** e.g. "5.1.1"; absent when the server does not speak ENHANCEDSTATUSCODES. */
  enhanced?: string;
  /** The text of every line, enhanced code removed, joined with "\n". */
  text: string;
}

/** What a reply means for the message it answered. */
export type ReplyClass = 'ok' | 'transient' | 'permanent';

/** A reply's class and whether it asks the sender to slow down (back off the host or domain as a whole). */
export interface ReplyVerdict {
  kind: ReplyClass;
  throttle: boolean;
}

const LINE = /^(\d{3})([ -]?)(.*)$/;
// RFC 3463 §2: class "." subject "." detail; the class must be 2, 4 or 5.
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?: +|$)/;

/**
 * Parse the lines of one reply (without CRLF), or a whole reply as one string with CRLF or LF between lines.
 * Returns null when the first line does not start with a three-digit code.
 */
export function parseReply(input: string | readonly string[]): SmtpReply | null {
  const lines = typeof input === 'string' ? input.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1) : input;
  if (lines.length === 0) return null;
  const first = LINE.exec(lines[0]!);
  if (!first) return null;
  const code = Number(first[1]);
  let enhanced: string | undefined;
  const texts: string[] = [];
  for (const line of lines) {
    const m = LINE.exec(line);
    let rest = m ? m[3]! : line;
    const e = ENHANCED.exec(rest);
    // The enhanced class must agree with the reply's class (RFC 2034 §3); a mismatch is text, not a code.
    if (e && Number(e[1]) === Math.floor(code / 100)) {
      enhanced ??= `${e[1]}.${Number(e[2])}.${Number(e[3])}`;
      rest = rest.slice(e[0].length);
    }
    texts.push(rest);
  }
  return enhanced === undefined ? { code, text: texts.join('\n') } : { code, enhanced, text: texts.join('\n') };
}

/** The reply as one line for logs and stored errors: "550 5.1.1 No such user". */
export function formatReply(r: SmtpReply): string {
  return [String(r.code), r.enhanced, r.text.replace(/\n/g, ' ')].filter((p) => p !== undefined && p !== '').join(' ');
}

// One reply line exactly as formatReply writes it: code, the enhanced code of its class with one-digit subject and
// detail, one space, text (no character that LINE's "." would not match). What relays answer to nearly every command.
const FORMATTED_LINE = /^([245])\d\d \1\.\d\.\d [^ \r\u2028\u2029][^\r\u2028\u2029]*$/;

/**
 * formatReply(parseReply(lines)) and the reply's text, or `code` alone when the lines do not parse — without parsing
 * the usual one-line reply ("250 2.0.0 Ok: queued as 4F1A2"), which already is its own formatted form.
 */
export function formatReplyLines(code: number, lines: readonly string[]): { formatted: string; text: string } {
  if (lines.length === 1 && FORMATTED_LINE.test(lines[0]!)) return { formatted: lines[0]!, text: lines[0]!.slice(10) };
  const r = parseReply(lines) ?? { code, text: '' };
  return { formatted: formatReply(r), text: r.text };
}

// Wording that large receivers use for rate limits on 450/451/452 (which otherwise just mean "try later").
// "too many recipients" is a per-transaction limit (RFC 5321 §4.5.3.1.10), not a request to slow down.
const THROTTLE_WORDS = /\brate\b|rate[ -]?limit|throttl|too many (?!recipients)|slow(?:ing)? down|too fast|exceeded .*(?:limit|quota)|(?:limit|quota) exceeded/i;
const GREYLIST = /grey ?list|gray ?list/i;

/**
 * Classify a reply per RFC 5321 §4.2.1: 2yz and 3yz go on ('ok'), 4yz is a transient failure, 5yz a permanent
 * one. The basic code decides, the enhanced code only refines it, with one exception: X.4.5 "mail system
 * congestion" is by RFC 3463 "useful only as a persistent transient error", and relays (Gmail's "550 5.4.5
 * Daily sending quota exceeded") use it for the sender's quota, which must not fail and suppress the recipient.
 * A code outside 2yz–5yz is a protocol error and is retried.
 *
 * `throttle` is set when the reply asks to slow down: 421 (the server is closing the channel: too many
 * connections or messages), any 4yz with an X.7.z policy code (Gmail 421/450 4.7.28, Yahoo 421 4.7.0, Microsoft
 * 451 4.7.500–699, 454 4.7.0) except greylisting (which is per sender/recipient pair, not per host), X.3.2
 * "system not accepting network messages" and X.4.5 congestion, and 450/451/452 whose text speaks of rates,
 * throttling or "too many" connections or messages.
 */
export function classifyReply(r: SmtpReply): ReplyVerdict {
  const cls = Math.floor(r.code / 100);
  const [, subject, detail] = (r.enhanced ?? '').split('.').map(Number);
  const congestion = subject === 4 && detail === 5;
  if (cls === 2 || cls === 3) return { kind: 'ok', throttle: false };
  if (cls === 5) return congestion ? { kind: 'transient', throttle: true } : { kind: 'permanent', throttle: false };
  if (cls !== 4) return { kind: 'transient', throttle: false };
  const throttle = r.code === 421
    || (subject === 7 && !GREYLIST.test(r.text))
    || (subject === 3 && detail === 2)
    || congestion
    || ((r.code === 450 || r.code === 451 || r.code === 452) && THROTTLE_WORDS.test(r.text));
  return { kind: 'transient', throttle };
}

/**
 * The relay's queue id from a final 250 reply, when the text carries one in a known shape: Postfix "queued as
 * 4Xyz", Exim "id=1abc-…", Sendmail "<id> Message accepted for delivery", Gmail "OK 1700000000 <id> - gsmtp".
 * Null when there is none; the caller falls back to its own id.
 */
export function queueIdFromReply(text: string): string | null {
  const m = /queued as ([A-Za-z0-9._@<>-]+)/i.exec(text)
    ?? /\bid=([A-Za-z0-9._-]+)/i.exec(text)
    ?? /^([A-Za-z0-9]+) Message accepted for delivery/i.exec(text)
    ?? /\bOK\s+\d+\s+(\S+)\s+-\s+gsmtp/i.exec(text);
  return m ? m[1]!.replace(/^<|>$/g, '') : null;
}
