// RFC 5321 §4.5.2 transparency: before DATA content goes on the wire, every line that starts with "." gets
// one more "."; the receiver removes it. Done on Buffers with native indexOf, because this runs for every byte
// Postflow sends.

const LF_DOT = Buffer.from('\n.');
const DOT = 0x2e;
const END_CRLF = Buffer.from('.\r\n');
const END_BARE = Buffer.from('\r\n.\r\n');

/**
 * The message with dot-stuffing applied. Returns `raw` itself when no line starts with "." (the usual case),
 * so nothing is copied. A dot after a bare LF is stuffed too: a receiver that treats bare LF as a line end
 * (SMTP smuggling, CVE-2023-51764/51765/51766) would otherwise see "\n.\r\n" as the end of the message.
 */
export function dotStuff(raw: Buffer): Buffer {
  let at = raw.indexOf(LF_DOT);
  const leading = raw.length > 0 && raw[0] === DOT;
  if (at < 0 && !leading) return raw;
  const parts: Buffer[] = [];
  let from = 0;
  if (leading) parts.push(Buffer.from('.'));
  while (at >= 0) {
    // Cut after the "\n", before the ".": the dot is emitted twice (once here, once with the next part).
    parts.push(raw.subarray(from, at + 2), Buffer.from('.'));
    from = at + 2;
    at = raw.indexOf(LF_DOT, from);
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

/**
 * What follows the stuffed content to end DATA: ".\r\n" when the message already ends with CRLF, else
 * "\r\n.\r\n" (the receiver then stores one extra CRLF, which every message needs anyway).
 */
export function dataTerminator(raw: Buffer): Buffer {
  const n = raw.length;
  return n >= 2 && raw[n - 2] === 0x0d && raw[n - 1] === 0x0a ? END_CRLF : END_BARE;
}
