/** One CSV record (RFC 4180, CRLF-terminated): fields with a comma, quote, CR, LF or edge space are quoted, quotes doubled; null is empty. */
export function csvLine(fields: (string | null)[]): string {
  return `${fields.map((f) => (f === null ? '' : /[",\r\n]|^\s|\s$/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\r\n`;
}

// A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV Injection").
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A cell a spreadsheet will not run as a formula: one that starts with `=`, `+`, `-`, `@`, TAB or CR gets a single
 * quote in front (OWASP's advice), which spreadsheets show as text; any other cell is returned as it is.
 */
export function formulaSafe(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}
