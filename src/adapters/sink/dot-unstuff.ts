const DOT = 0x2e;
const CRLF_DOT = Buffer.from('\r\n.');

/**
 * Undo SMTP dot-stuffing (RFC 5321 §4.5.2): drop the leading `.` of every line that starts with one.
 * `body` is the DATA payload without its terminating `.` line; it starts at a line start. Returns `body`
 * itself when nothing was stuffed, else a new buffer. Scans with indexOf, never byte by byte.
 */
export function dotUnstuff(body: Buffer): Buffer {
  let dot = body[0] === DOT ? 0 : nextStuffedDot(body, 0);
  if (dot < 0) return body;
  const out = Buffer.allocUnsafe(body.length);
  let read = 0;
  let written = 0;
  while (dot >= 0) {
    written += body.copy(out, written, read, dot);
    read = dot + 1;
    dot = nextStuffedDot(body, read);
  }
  written += body.copy(out, written, read);
  return out.subarray(0, written);
}

function nextStuffedDot(body: Buffer, from: number): number {
  const i = body.indexOf(CRLF_DOT, from);
  return i < 0 ? -1 : i + 2;
}
