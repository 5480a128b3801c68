/** Encodings for MIME headers and bodies (RFC 2045, RFC 2047, RFC 5322). Pure and allocation-light. */

const NON_ASCII = /[^\x00-\x7f]/;
const ATEXT_PHRASE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$/;

/** True when `s` holds only 7-bit ASCII. */
export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/**
 * Encode a header value as RFC 2047 B encoded-words when it is not plain ASCII, splitting on character
 * boundaries so each word stays within 75 characters and folding words onto continuation lines.
 */
export function encodeHeaderValue(value: string): string {
  if (isAscii(value)) return value;
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  // 45 bytes of UTF-8 → 60 base64 characters + 12 of "=?UTF-8?B??=" = 72 ≤ 75.
  for (const ch of value) {
    const n = Buffer.byteLength(ch);
    if (chunkBytes + n > 45) {
      words.push(chunk);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += ch;
    chunkBytes += n;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** A display name as a header phrase: bare, quoted, or encoded, whichever is needed. */
export function encodeDisplayName(name: string): string {
  if (!isAscii(name)) return encodeHeaderValue(name);
  if (ATEXT_PHRASE.test(name)) return name;
  return `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** A body part ready for the wire: its transfer encoding and CRLF-terminated content. */
export interface EncodedBody {
  encoding: '7bit' | 'base64';
  content: string;
}

/** True when some line of `s` (split on LF) is longer than 998 characters. A scan, not a regex: /[^\n]{999}/ backtracks quadratically. */
function hasLongLine(s: string): boolean {
  let start = 0;
  for (;;) {
    const nl = s.indexOf('\n', start);
    const end = nl < 0 ? s.length : nl;
    if (end - start > 998) return true;
    if (nl < 0) return false;
    start = nl + 1;
  }
}

/** Encode a text body: 7bit when it is ASCII with short lines (readable, no cost), base64 otherwise. */
export function encodeBody(body: string): EncodedBody {
  // One pass to CRLF: bare CR and bare LF become CRLF, existing CRLF stays.
  const crlf = body.replace(/\r\n|\r|\n/g, '\r\n');
  if (isAscii(crlf) && !hasLongLine(crlf)) {
    // A line of a lone "." is safe: SMTP transports dot-stuff on the wire.
    return { encoding: '7bit', content: crlf };
  }
  const b64 = Buffer.from(crlf, 'utf8').toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return { encoding: 'base64', content: lines.join('\r\n') };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** An RFC 5322 date in UTC, e.g. "Mon, 23 Nov 2026 11:26:00 +0000". */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
