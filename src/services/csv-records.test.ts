import { describe, it, expect } from 'vitest';
import { AppError } from '../domain/errors.js';
import { csvRecords, csvScan, MAX_RECORD_BYTES } from './csv-records.js';

async function records(chunks: (string | Uint8Array)[]): Promise<[number, string[]][]> {
  const src = (async function* () {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  })();
  const out: [number, string[]][] = [];
  for await (const r of csvRecords(src)) out.push([r.line, r.cells]);
  return out;
}

const source = (chunks: (string | Uint8Array)[]) => (async function* () {
  for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
})();

async function refusal(chunks: (string | Uint8Array)[]): Promise<{ code: string; message: string; line?: number }> {
  try {
    await csvScan(source(chunks));
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.message, line: e.details?.line as number | undefined };
    throw e;
  }
  throw new Error('expected a refusal');
}

const bytewise = (s: string) => [...Buffer.from(s)].map((b) => Uint8Array.of(b));

describe('CSV records with line numbers', () => {
  it('numbers records by their first physical line, across quoted newlines, blank lines and line endings', async () => {
    const text = '\uFEFFemail,name\r\na@x.io,"two\r\nlines"\n\nb@x.io,b\r\n"c@x.io","say ""hi"""\n\n\nd@x.io,5" screen';
    const want: [number, string[]][] = [[1, ['email', 'name']], [2, ['a@x.io', 'two\r\nlines']], [5, ['b@x.io', 'b']], [6, ['c@x.io', 'say "hi"']], [9, ['d@x.io', '5" screen']]];
    expect(await records([text])).toEqual(want);
    // The same when every byte arrives alone (multi-byte characters and CRLF split across chunks).
    expect(await records(bytewise(text))).toEqual(want);
    expect(await records(bytewise('email\nzoë@x.io\n😀@x.io'))).toEqual([[1, ['email']], [2, ['zoë@x.io']], [3, ['😀@x.io']]]);
    expect(await csvScan(source([text]))).toEqual({ records: 5 });
    expect(await csvScan(source(bytewise(text)))).toEqual({ records: 5 });
  });

  it('refuses UTF-16, NUL bytes and bytes that are not UTF-8, naming the line', async () => {
    expect(await refusal([Uint8Array.of(0xff, 0xfe, 0x65, 0x00)])).toMatchObject({ code: 'CSV_INVALID', message: expect.stringMatching(/UTF-16/) });
    expect(await refusal(['email\na@x.io\n', Uint8Array.of(0x62, 0, 0x40)])).toMatchObject({ line: 3, message: expect.stringMatching(/NUL/) });
    const latin1 = Buffer.concat([Buffer.from('email,name\na@x.io,ok\nb@x.io,Ren'), Uint8Array.of(0xe9), Buffer.from('\n')]);
    expect(await refusal([latin1])).toMatchObject({ line: 3, message: expect.stringMatching(/0xe9 is not UTF-8/) });
    expect(await refusal([Buffer.from('email\na'), Uint8Array.of(0xc3)])).toMatchObject({ message: expect.stringMatching(/ends inside a UTF-8 character/) });
  });

  it('refuses a quote never closed and an enormous record, naming where it starts', async () => {
    expect(await refusal(['email,name\na@x.io,ok\nb@x.io,"open\nc@x.io,c\n'])).toMatchObject({ line: 3, message: expect.stringMatching(/never closed/) });
    expect(await refusal(['email,name\na@x.io,ok\n', `b@x.io,${'x'.repeat(MAX_RECORD_BYTES + 10)}\nc@x.io,c\n`])).toMatchObject({ line: 3, message: expect.stringMatching(/longer than/) });
  });
});
