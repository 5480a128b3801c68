import { describe, it, expect } from 'vitest';
import { csvLine, formulaSafe } from './csv-line.js';

describe('csv line', () => {
  it('quotes what RFC 4180 needs quoted', () => {
    expect(csvLine(['a', null, 'b,c', 'say "hi"', ' x', 'l1\nl2'])).toBe('a,,"b,c","say ""hi"""," x","l1\nl2"\r\n');
  });

  it('neutralises cells a spreadsheet would run as a formula, and only those', () => {
    for (const cell of ['=SUM(A1:A9)', '+1 555 0100', '-2+3', '@cmd', '\t=1', '\r=1']) expect(formulaSafe(cell)).toBe(`'${cell}`);
    for (const cell of ['', 'Ann', '1', '{"a":1}', "'=already", ' =x', 'a=b', '2025-01-01T00:00:00.000Z']) expect(formulaSafe(cell)).toBe(cell);
    // Quoted as RFC 4180 asks once prefixed: the CR keeps its quotes.
    expect(csvLine([formulaSafe('\r=1'), formulaSafe('=HYPERLINK("http://x","y")')])).toBe(`"'\r=1","'=HYPERLINK(""http://x"",""y"")"\r\n`);
  });
});
