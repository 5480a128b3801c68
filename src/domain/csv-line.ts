/** One CSV record (RFC 4180, CRLF-terminated): fields with a comma, quote, CR, LF or edge space are quoted, quotes doubled; null is empty. */
export function csvLine(fields: (string | null)[]): string {
  return `${fields.map((f) => (f === null ? '' : /[",\r\n]|^\s|\s$/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\r\n`;
}
