import { dotUnstuff } from './dot-unstuff.js';

const TERMINATOR = Buffer.from('\r\n.\r\n');
// The CRLF that ended the DATA command line: with it in front, an empty message (".\r\n" right after
// DATA) ends like any other.
const DATA_LINE_END = Buffer.from('\r\n');
// Bytes of the `.` line that end a DATA stream once its leading CRLF is counted as the body's last line end.
const TRAILER = 3;

/**
 * Reads one DATA payload from socket chunks as they come: finds the `\r\n.\r\n` terminator with
 * Buffer.indexOf, also when it is split across chunks, and keeps the bytes only when asked to.
 */
export class DataReader {
  private tail: Buffer = DATA_LINE_END;
  private chunks: Buffer[] = [];
  private length = 0;
  private tooLarge = false;

  /** `keep`: hold the bytes for `body()`; `maxBytes`: past this the message is refused and nothing is kept. */
  constructor(private readonly keep: boolean, private readonly maxBytes: number) {}

  /**
   * Take `chunk` from `start`. Returns the offset just past the terminator when the message ended in this
   * chunk (the rest of the chunk is the next command), or -1 when the whole rest was message data.
   */
  push(chunk: Buffer, start: number): number {
    const region = start === 0 ? chunk : chunk.subarray(start);
    const end = this.findEnd(region);
    const used = end < 0 ? region.length : end;
    this.length += used;
    if (this.length - TRAILER > this.maxBytes && !this.tooLarge) {
      this.tooLarge = true;
      this.chunks = [];
    }
    if (this.keep && !this.tooLarge && used > 0) this.chunks.push(used === region.length ? region : region.subarray(0, used));
    if (end >= 0) return start + end;
    if (region.length >= 4) this.tail = region.subarray(region.length - 4);
    else {
      const joined = Buffer.concat([this.tail, region]);
      this.tail = joined.subarray(Math.max(0, joined.length - 4));
    }
    return -1;
  }

  /** The message size as sent (dot-stuffed, without the terminating `.` line). */
  get size(): number {
    return Math.max(0, this.length - TRAILER);
  }

  /** Whether the message went past the size limit. */
  get overflowed(): boolean {
    return this.tooLarge;
  }

  /** The received message, dot-unstuffed. Only meaningful once `push` found the end, with `keep` set. */
  body(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    return dotUnstuff(all.subarray(0, all.length - TRAILER));
  }

  // The offset just past the terminator in `region`, or -1.
  private findEnd(region: Buffer): number {
    // A terminator that began in earlier chunks leaves a prefix of itself ("\r", "\r\n", "\r\n.", "\r\n.\r")
    // as the tail, so only a tail ending in one of those three bytes needs the (small) joined probe.
    const last = this.tail[this.tail.length - 1];
    if (last === 0x0d || last === 0x0a || last === 0x2e) {
      const probe = Buffer.concat([this.tail, region.subarray(0, 4)]);
      const p = probe.indexOf(TERMINATOR);
      if (p >= 0 && p < this.tail.length) return p + TERMINATOR.length - this.tail.length;
    }
    const i = region.indexOf(TERMINATOR);
    return i < 0 ? -1 : i + TERMINATOR.length;
  }
}
