import { Readable } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { parse } from 'csv-parse';
import { AppError } from '../domain/errors.js';

/** Longest record accepted (bytes): a longer one is almost always an unclosed quote or not a CSV file. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** One record and the physical line it starts on (the header is line 1). */
export interface CsvRecord {
  cells: string[];
  line: number;
}

const refuse = (message: string, line?: number) =>
  new AppError('CSV_INVALID', line === undefined ? message : `line ${line}: ${message}`, { field: line === undefined ? 'file' : `line ${line}`, details: line === undefined ? undefined : { line } });

/** How many trailing bytes of `b` start a UTF-8 sequence the chunk cuts short (to carry into the next chunk). */
function cutTail(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const x = b[b.length - k]!;
    if ((x & 0xc0) === 0x80) continue;
    const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : x >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

/** Offset of the first byte that is not valid UTF-8 in `b` (which isUtf8 refused). */
function firstBadByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const x = b[i]!;
    const need = x < 0x80 ? 1 : x >= 0xc2 && x < 0xe0 ? 2 : x >= 0xe0 && x < 0xf0 ? 3 : x >= 0xf0 && x < 0xf5 ? 4 : 0;
    if (need === 0 || i + need > b.length) return i;
    if (need > 1 && !isUtf8(b.subarray(i, i + need))) return i;
    i += need;
  }
  return b.length;
}

/** Count of LF bytes in `b` before `end`. */
function lfCount(b: Uint8Array, end = b.length): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Pass bytes through unchanged while checking they are UTF-8 text: UTF-16 (by its BOM or NUL bytes) and bytes that
 * are not UTF-8 (Latin-1, Windows-1252…) refuse the file with CSV_INVALID naming the line. `onBytes` sees the count.
 */
export async function* utf8Only(source: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  let lines = 1;
  let first = true;
  for await (const chunk of source) {
    onBytes?.(chunk.length);
    if (first && chunk.length > 0) {
      first = false;
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) throw refuse('the file is UTF-16; save it as UTF-8 CSV');
    }
    const all = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const tail = cutTail(all);
    const whole = all.subarray(0, all.length - tail);
    const nul = whole.indexOf(0);
    if (nul !== -1) throw refuse('the file holds NUL bytes: it is UTF-16 or binary, not UTF-8 CSV', lines + lfCount(whole, nul));
    if (!isUtf8(whole)) {
      const at = firstBadByte(whole);
      throw refuse(`byte 0x${whole[at]!.toString(16).padStart(2, '0')} is not UTF-8 (Latin-1 or Windows-1252?); save the file as UTF-8 CSV`, lines + lfCount(whole, at));
    }
    lines += lfCount(whole);
    carry = all.subarray(all.length - tail);
    yield chunk;
  }
  if (carry.length) throw refuse('the file ends inside a UTF-8 character', lines);
}

const LINE_BREAK = /\r?\n/g;

/**
 * The records of a CSV byte stream (streamed, bounded memory) with the line each starts on. Blank lines are skipped;
 * a quote never closed, or a record over MAX_RECORD_BYTES, refuses the file with CSV_INVALID naming its first line.
 * Quotes inside unquoted fields are kept as written (`5" screen`).
 */
export async function* csvRecords(source: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void): AsyncGenerator<CsvRecord> {
  // Lines are counted as the parser makes each record (on_record runs inside it, in order), so when it fails the
  // count points at the record it failed on even if records before it were never read. A record spans one line
  // plus the line breaks inside its quoted fields (csv-parse's own `lines` counts CRLF inside quotes twice).
  let next = 1;
  const parser = parse({
    bom: true, relax_column_count: true, relax_quotes: true, record_delimiter: ['\r\n', '\n'], max_record_size: MAX_RECORD_BYTES,
    on_record: (cells: string[]): CsvRecord | null => {
      const line = next;
      next += 1;
      for (const c of cells) if (c.includes('\n')) next += c.match(LINE_BREAK)!.length;
      return cells.length === 1 && cells[0] === '' ? null : { cells, line };
    },
  });
  const input = Readable.from(utf8Only(source, onBytes), { objectMode: false });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  try {
    yield* parser as AsyncIterable<CsvRecord>;
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') throw refuse('a quote opened here is never closed', next);
    if (code === 'CSV_MAX_RECORD_SIZE') throw refuse(`the record starting here is longer than ${MAX_RECORD_BYTES} bytes (an unclosed quote?)`, next);
    if (code?.startsWith('CSV_') || code?.startsWith('INVALID_')) throw refuse((err as Error).message, next);
    throw err;
  } finally {
    input.destroy();
    parser.destroy();
  }
}
