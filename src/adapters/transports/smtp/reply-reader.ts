/** One reply as read off the wire: its code and its lines (without CRLF). */
export interface RawReply {
  code: number;
  lines: string[];
}

const LF = 0x0a;
const CR = 0x0d;
// A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5); allow slack, but never buffer without bound.
const MAX_LINE = 8192;
const MAX_LINES = 1000;

/**
 * Splits the bytes a relay sends into replies (RFC 5321 §4.2: "xyz-text" continues, "xyz text" or "xyz" ends
 * a reply). Replies are queued in order: with PIPELINING several arrive in one chunk, and the caller takes them
 * one by one. Throws from `push` on a line that is not a reply, so the connection can be dropped.
 */
export class ReplyReader {
  private partial: Buffer | null = null;
  private lines: string[] = [];
  private readonly ready: RawReply[] = [];
  private head = 0;

  /** Feed bytes; complete replies become available to `take`. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    for (let nl = buf.indexOf(LF, start); nl >= 0; nl = buf.indexOf(LF, start)) {
      const end = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
      this.line(buf.toString('utf8', start, end));
      start = nl + 1;
    }
    if (start < buf.length) {
      if (buf.length - start > MAX_LINE) throw new Error(`reply line longer than ${MAX_LINE} bytes`);
      this.partial = buf.subarray(start);
    }
  }

  /** The next complete reply, or undefined when none has arrived yet. */
  take(): RawReply | undefined {
    if (this.head >= this.ready.length) return undefined;
    const r = this.ready[this.head++]!;
    if (this.head === this.ready.length) {
      this.ready.length = 0;
      this.head = 0;
    }
    return r;
  }

  /** How many complete replies wait to be taken. */
  get waiting(): number {
    return this.ready.length - this.head;
  }

  /** The i-th complete reply waiting (0: the one `take` would return), without taking it. */
  peek(i: number): RawReply | undefined {
    return this.head + i < this.ready.length ? this.ready[this.head + i] : undefined;
  }

  /** True when bytes beyond the replies taken are waiting (used to refuse data sent ahead of a TLS upgrade). */
  hasBuffered(): boolean {
    return this.head < this.ready.length || this.partial !== null || this.lines.length > 0;
  }

  private line(s: string): void {
    const c0 = s.charCodeAt(0) - 48;
    const c1 = s.charCodeAt(1) - 48;
    const c2 = s.charCodeAt(2) - 48;
    const sep = s.length > 3 ? s[3] : ' ';
    if (!(c0 >= 0 && c0 <= 9 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9) || (sep !== ' ' && sep !== '-')) {
      throw new Error(`malformed reply line: ${JSON.stringify(s.slice(0, 80))}`);
    }
    this.lines.push(s);
    if (sep === '-') {
      if (this.lines.length > MAX_LINES) throw new Error(`reply longer than ${MAX_LINES} lines`);
      return;
    }
    this.ready.push({ code: c0 * 100 + c1 * 10 + c2, lines: this.lines });
    this.lines = [];
  }
}
