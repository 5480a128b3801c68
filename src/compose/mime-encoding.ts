/** Encodings for MIME headers and bodies (RFC 2045, RFC 2047, RFC 5322). Pure and allocation-light. */

import { isAscii as isAsciiBytes } from 'node:buffer';
import type { ByteSink } from './fast-liquid.js';
import type { MimeBody } from './template-engine.js';

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

/**
 * The transfer encoding a body part goes out in. 8bit only when the writer is told the message may carry it
 * (MimeWriter.reset): UTF-8 text in lines of at most 998 characters, no NUL, CRLF line ends (RFC 2045 §2.8, RFC 6152).
 */
export type BodyEncoding = '7bit' | '8bit' | 'base64';

const LF = 0x0a;
const CR = 0x0d;
/** RFC 5322 §2.1.1: at most 998 characters a line (here, as before: counted with the CR). */
const MAX_LINE = 998;
/** Base64 lines of 76 characters (RFC 2045 §6.8). */
const B64_LINE = 76;

/** Work buffers larger than this, grown for one large message, are not kept for the next. */
const KEEP_BYTES = 1024 * 1024;

/** Finished messages are cut from slabs of this size (see MimeWriter.finish). */
const SLAB_BYTES = 128 * 1024;
// Slabs whose every message was released, kept for the next messages (4 MiB): a new slab is fresh memory, paid for
// in page faults, and its external bytes are what started most of a delivery thread's full collections.
const SPARE_SLABS = 32;

/** A slab messages are cut from, and how many of them are not released yet. */
interface Slab {
  buf: Buffer;
  used: number;
  live: number;
}

/** `buf` if it holds `size` bytes, else a larger buffer (contents not kept). */
function room(buf: Buffer, size: number): Buffer {
  return buf.length >= size ? buf : Buffer.allocUnsafeSlow(Math.max(size, buf.length * 2));
}

/** `buf` if it holds `used + extra` bytes, else a larger buffer holding its first `used` bytes. */
function grown(buf: Buffer, used: number, extra: number): Buffer {
  if (used + extra <= buf.length) return buf;
  const bigger = room(buf, used + extra);
  bigger.set(buf.subarray(0, used));
  return bigger;
}

/** Bytes of `n` bytes in base64 lines of 76 characters joined by CRLF (no final CRLF). */
function base64Size(n: number): number {
  const length = 4 * Math.ceil(n / 3);
  return length + 2 * Math.max(0, Math.ceil(length / B64_LINE) - 1);
}

/**
 * Write `src` as base64 in lines of 76 characters joined by CRLF (no final CRLF) into `out` at `at`, which has room
 * for base64Size(src.length); returns the bytes written. Node's native encoder into place, then the lines moved
 * apart from the last one back: half the time of encoding byte by byte in JavaScript (bench/RESULTS.md).
 */
function writeBase64Lines(src: Buffer, out: Buffer, at: number): number {
  const b64 = src.toString('base64');
  const length = b64.length;
  const lines = Math.ceil(length / B64_LINE);
  out.write(b64, at, 'latin1');
  for (let l = lines - 1; l >= 1; l--) {
    const from = at + l * B64_LINE;
    const to = from + 2 * l;
    out.copyWithin(to, from, Math.min(at + length, from + B64_LINE));
    out[to - 2] = CR;
    out[to - 1] = LF;
  }
  return length + 2 * Math.max(0, lines - 1);
}

const EIGHT_BIT = Buffer.from('8bit\r\n\r\n');
const BASE64_NAME = Buffer.from('base64');

/**
 * The message `raw` with its 8bit bodies (`parts`, from MimeWriter.eightBitParts) in base64 and their
 * Content-Transfer-Encoding saying so: the bytes the writer would have made without 8bit, for a hop that does not
 * take 8-bit content (no 8BITMIME, RFC 6152 §3). Everything else is copied as it is.
 */
export function sevenBitCopy(raw: Buffer, parts: readonly EightBitPart[]): Buffer {
  let size = raw.length;
  for (const [start, end] of parts) size += base64Size(end - start) - (end - start) + BASE64_NAME.length - 4;
  const out = Buffer.allocUnsafe(size);
  let from = 0;
  let at = 0;
  for (const [start, end] of parts) {
    const name = start - EIGHT_BIT.length;
    if (name < from || !raw.subarray(name, start).equals(EIGHT_BIT)) throw new Error(`no 8bit body at byte ${start} of the message`);
    at += raw.copy(out, at, from, name);
    at += BASE64_NAME.copy(out, at);
    at += raw.copy(out, at, start - 4, start);
    at += writeBase64Lines(raw.subarray(start, end), out, at);
    from = end;
  }
  at += raw.copy(out, at, from);
  return out.subarray(0, at);
}

/** Where an 8bit body lies in a finished message: [start, end) of its bytes (its encoding's name ends 4 bytes before start). */
export type EightBitPart = readonly [start: number, end: number];

/** A prepared body: its bytes with CRLF line ends (in a buffer reused per message), their length, its encoding. */
interface BodySlot {
  crlf: Buffer;
  length: number;
  encoding: BodyEncoding;
}

/**
 * Builds a message's bytes in buffers reused from one message to the next (a thread composes one message at a
 * time, synchronously), then hands out a copy: no intermediate strings for the bodies (the encoded body used to
 * be built as a string, split into lines, joined and encoded again: ~30 µs of a 4 KB part). Two bodies can be
 * prepared at once (text and HTML), so that the MIME structure can depend on which of them is empty.
 */
export class MimeWriter {
  private out: Buffer = Buffer.allocUnsafeSlow(32 * 1024);
  private pos = 0;
  // The message being built may have 8bit bodies, and where those written so far lie.
  private eightBit = false;
  private parts: EightBitPart[] | null = null;
  private utf8: Buffer = Buffer.allocUnsafeSlow(16 * 1024);
  private readonly slots: [BodySlot, BodySlot] = [
    { crlf: Buffer.allocUnsafeSlow(16 * 1024), length: 0, encoding: '7bit' },
    { crlf: Buffer.allocUnsafeSlow(16 * 1024), length: 0, encoding: '7bit' },
  ];
  // Slabs by their memory: a message's bytes name their slab (`buf.buffer`). Weak: a slab whose messages are never
  // released (transports that do not release) goes with its last message, as any buffer.
  private readonly slabs = new WeakMap<ArrayBufferLike, Slab>();
  private readonly spare: Buffer[] = [];
  /** Slabs allocated, and slabs taken from the spares instead (for tests and profiles). */
  readonly slabStats = { allocated: 0, reused: 0 };
  private slab: Slab = this.newSlab();
  // Where wire renderers write: a slot's buffer, grown as they need.
  private readonly sink: ByteSink = {
    buf: this.out,
    pos: 0,
    ensure(n: number): void {
      this.buf = grown(this.buf, this.pos, n);
    },
  };

  /**
   * Start a new message; with `eightBit`, its non-ASCII bodies may go out as 8bit rather than base64 (the caller knows
   * the message is not signed and its transport carries 8-bit content). Buffers that a large message grew past
   * KEEP_BYTES are let go (a thread lives long).
   */
  reset(eightBit = false): void {
    this.pos = 0;
    this.eightBit = eightBit;
    this.parts = null;
    if (this.out.length > KEEP_BYTES) this.out = Buffer.allocUnsafeSlow(32 * 1024);
    if (this.utf8.length > KEEP_BYTES) this.utf8 = Buffer.allocUnsafeSlow(16 * 1024);
    for (const b of this.slots) if (b.crlf.length > KEEP_BYTES) b.crlf = Buffer.allocUnsafeSlow(16 * 1024);
  }

  /** Append `s` as UTF-8 (headers and MIME structure). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.out.write(s, this.pos, 'utf8');
  }

  /**
   * Prepare `body` in slot 0 or 1: every line break (CRLF, bare CR, bare LF) becomes CRLF, and the encoding is
   * chosen: 7bit when it is ASCII with lines of at most 998 characters, base64 otherwise. A line of a lone "." is
   * safe: SMTP transports dot-stuff on the wire. Returns the body's length in bytes (0: empty).
   */
  prepareBody(slot: 0 | 1, body: MimeBody): number {
    const b = this.slots[slot];
    if (typeof body !== 'string') {
      // Rendered straight into the slot; a value with a line break sends it the string way instead.
      this.sink.buf = b.crlf;
      this.sink.pos = 0;
      const ok = body.wire(body.variables, this.sink);
      b.crlf = this.sink.buf;
      if (ok) return this.decide(b, this.sink.pos, -1);
      const s = body.string(body.variables);
      return this.prepareBody(slot, body.trim ? s.trim() : s);
    }
    this.utf8 = room(this.utf8, body.length * 3);
    const n = this.utf8.write(body, 0, 'utf8');
    const src = this.utf8.subarray(0, n);
    b.crlf = room(b.crlf, n * 2);
    const dst = b.crlf;
    let m = 0;
    let longest = 0;
    if (src.indexOf(CR) < 0) {
      // Only LF (or none): copy the lines, each followed by CRLF.
      let from = 0;
      for (;;) {
        const lf = src.indexOf(LF, from);
        if (lf < 0) {
          m += src.copy(dst, m, from, n);
          longest = Math.max(longest, n - from);
          break;
        }
        m += src.copy(dst, m, from, lf);
        dst[m++] = CR;
        dst[m++] = LF;
        longest = Math.max(longest, lf - from + 1);
        from = lf + 1;
      }
    } else {
      let lineStart = 0;
      for (let i = 0; i < n; i++) {
        const c = src[i]!;
        if (c === CR || c === LF) {
          if (c === CR && src[i + 1] === LF) i++;
          dst[m++] = CR;
          dst[m++] = LF;
          if (m - 1 - lineStart > longest) longest = m - 1 - lineStart;
          lineStart = m;
        } else dst[m++] = c;
      }
      if (m - lineStart > longest) longest = m - lineStart;
    }
    return this.decide(b, m, longest);
  }

  /** The encoding chosen for the body prepared in `slot`. */
  encoding(slot: 0 | 1): BodyEncoding {
    return this.slots[slot].encoding;
  }

  // The body's length and its longest line (-1: not known yet) give the encoding.
  private decide(b: BodySlot, m: number, longest: number): number {
    const bytes = b.crlf.subarray(0, m);
    if (longest < 0) {
      longest = 0;
      for (let from = 0; ; ) {
        const lf = bytes.indexOf(LF, from);
        // Counted as for a string: from one LF to the next, the CR included.
        longest = Math.max(longest, (lf < 0 ? m : lf) - from);
        if (lf < 0) break;
        from = lf + 1;
      }
    }
    b.length = m;
    if (longest > MAX_LINE) b.encoding = 'base64';
    else if (isAsciiBytes(bytes)) b.encoding = '7bit';
    else b.encoding = this.eightBit && bytes.indexOf(0) < 0 ? '8bit' : 'base64';
    return m;
  }

  /**
   * Append the body prepared in `slot` in its encoding (base64: lines of 76 characters joined by CRLF, no final CRLF).
   * The part's headers must end with its Content-Transfer-Encoding and the blank line: an 8bit body is found again
   * from there when the message is turned to 7 bits (sevenBitCopy).
   */
  writeBody(slot: 0 | 1): void {
    const b = this.slots[slot];
    const m = b.length;
    if (b.encoding === 'base64') {
      this.ensure(base64Size(m));
      this.pos += writeBase64Lines(b.crlf.subarray(0, m), this.out, this.pos);
      return;
    }
    this.ensure(m);
    if (b.encoding === '8bit') (this.parts ??= []).push([this.pos, this.pos + m]);
    this.out.set(b.crlf.subarray(0, m), this.pos);
    this.pos += m;
  }

  /** Where the 8bit bodies of the message `finish` returned last lie in it (null: none). */
  eightBitParts(): EightBitPart[] | null {
    return this.parts;
  }

  /**
   * The message built since `reset`, copied out. Messages up to a quarter of a slab are cut from a shared slab, as
   * Node's own pool does for buffers under 4 KiB: allocating a buffer of its own cost ~4 µs per message (bench/RESULTS.md).
   * A slab whose messages were all given back with `release` is used again; one whose messages are not given back is
   * freed by the collector when the last of them is gone.
   */
  finish(): Buffer {
    const n = this.pos;
    if (n > SLAB_BYTES / 4) {
      const own = Buffer.allocUnsafe(n);
      own.set(this.out.subarray(0, n));
      return own;
    }
    if (this.slab.used + n > SLAB_BYTES) {
      const full = this.slab;
      this.slab = this.newSlab();
      if (full.live === 0) this.recycle(full);
    }
    const s = this.slab;
    const done = s.buf.subarray(s.used, s.used + n);
    done.set(this.out.subarray(0, n));
    s.used += (n + 7) & ~7;
    s.live++;
    return done;
  }

  /**
   * Give back the bytes of a message `finish` returned, once nothing will read them again (sent, its write done). Call
   * it once per message: a slab is reused when all its messages are back. Bytes not cut from a slab are ignored.
   */
  release(bytes: Buffer): void {
    const s = this.slabs.get(bytes.buffer);
    if (!s || s.live === 0) return;
    s.live--;
    if (s.live === 0 && s !== this.slab) this.recycle(s);
  }

  private newSlab(): Slab {
    let buf = this.spare.pop();
    if (buf) this.slabStats.reused++;
    else {
      buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabStats.allocated++;
    }
    const s: Slab = { buf, used: 0, live: 0 };
    this.slabs.set(buf.buffer, s);
    return s;
  }

  private recycle(s: Slab): void {
    this.slabs.delete(s.buf.buffer);
    if (this.spare.length < SPARE_SLABS) this.spare.push(s.buf);
  }

  private ensure(extra: number): void {
    this.out = grown(this.out, this.pos, extra);
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** An RFC 5322 date in UTC, e.g. "Mon, 23 Nov 2026 11:26:00 +0000". */
export function rfc5322Date(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
