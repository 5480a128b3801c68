/** Header names a caller may not set: Postflow writes these itself. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding',
  'return-path', 'received', 'dkim-signature',
]);

const HEADER_NAME = /^[!-9;-~]+$/; // RFC 5322 ftext: printable ASCII except colon

/** Why a custom header is refused, or null when it may be sent. */
export function headerProblem(name: string, value: string): string | null {
  if (!HEADER_NAME.test(name)) return 'has an invalid header name';
  if (RESERVED_HEADERS.has(name.toLowerCase())) return 'is set by Postflow and cannot be overridden';
  if (/[\r\n]/.test(value)) return 'must not contain CR or LF (header injection)';
  if (value.length > 998) return 'is longer than 998 characters';
  return null;
}

/** True when a value would break out of its header line. */
export function hasLineBreak(value: string): boolean {
  return /[\r\n]/.test(value);
}
