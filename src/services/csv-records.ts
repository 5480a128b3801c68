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
const OPTIONS = { bom: true, relax_column_count: true, relax_quotes: true, record_delimiter: ['\r\n', '\n'], max_record_size: MAX_RECORD_BYTES } as const;

/** Lines a record spans: one, plus the line breaks inside its quoted fields (csv-parse's own `lines` counts CRLF inside quotes twice). */
function span(cells: string[]): number {
  let n = 1;
  for (const c of cells) if (c.includes('\n')) n += c.match(LINE_BREAK)!.length;
  return n;
}

const blank = (cells: string[]) => cells.length === 1 && cells[0] === '';

/** A csv-parse failure as CSV_INVALID naming the line where the failing record starts. */
function parseFailure(err: unknown, line: number): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return refuse('a quote opened here is never closed', line);
  if (code === 'CSV_MAX_RECORD_SIZE') return refuse(`the record starting here is longer than ${MAX_RECORD_BYTES} bytes (an unclosed quote?)`, line);
  if (code?.startsWith('CSV_') || code?.startsWith('INVALID_')) return refuse((err as Error).message, line);
  return err;
}

/** Run `parser` over the UTF-8-checked source; resolves when it ends, rejects with its (or the source's) error. */
function feed(source: AsyncIterable<Uint8Array>, parser: ReturnType<typeof parse>, onBytes?: (n: number) => void): Readable {
  const input = Readable.from(utf8Only(source, onBytes), { objectMode: false });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  return input;
}

/**
 * Read the whole CSV without keeping any record (`onRecord` sees each one as it passes): the number of records
 * (blank lines not counted, the header counted), or CSV_INVALID naming the line where a quote is never closed, a record passes MAX_RECORD_BYTES, or the
 * bytes stop being UTF-8. Lines are counted as the parser makes each record (on_record runs inside it, in order),
 * so the line is right even for records made but never read before the failure.
 */
export async function csvScan(source: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void, onRecord?: (r: CsvRecord) => void): Promise<{ records: number }> {
  let next = 1;
  let records = 0;
  const parser = parse({
    ...OPTIONS, record_delimiter: [...OPTIONS.record_delimiter],
    on_record: (cells: string[]) => {
      const line = next;
      next += span(cells);
      if (!blank(cells)) {
        records++;
        onRecord?.({ cells, line });
      }
      return null;
    },
  });
  const input = feed(source, parser, onBytes);
  try {
    // Every record is dropped by on_record: this only waits for the end (or the error).
    for await (const _ of parser) void _;
    return { records };
  } catch (err) {
    throw parseFailure(err, next);
  } finally {
    input.destroy();
  }
}

/**
 * The records of a CSV byte stream (streamed, bounded memory) with the line each starts on; blank lines are
 * skipped, quotes inside unquoted fields kept as written (`5" screen`). Errors as csvScan, but the line of a
 * parse failure is where the reader had got to: validate with csvScan first for an exact line.
 */
export async function* csvRecords(source: AsyncIterable<Uint8Array>, onBytes?: (n: number) => void): AsyncGenerator<CsvRecord> {
  const parser = parse({ ...OPTIONS, record_delimiter: [...OPTIONS.record_delimiter] });
  const input = feed(source, parser, onBytes);
  let line = 1;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      const start = line;
      line += span(cells);
      if (!blank(cells)) yield { cells, line: start };
    }
  } catch (err) {
    throw parseFailure(err, line);
  } finally {
    input.destroy();
    parser.destroy();
  }
}
