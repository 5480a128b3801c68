import { randomBytes } from 'node:crypto';
import type { Mailbox } from '../domain/address.js';
import { encodeBody, encodeDisplayName, encodeHeaderValue, rfc5322Date } from './mime-encoding.js';

/** Everything needed to build one message's MIME bytes. */
export interface MimeInput {
  from: Mailbox;
  to: Mailbox;
  replyTo?: string | null;
  subject: string;
  html: string;
  text: string | null;
  /** Extra headers, already validated (no CR/LF, not reserved). */
  headers: Record<string, string>;
  /** Message-ID without angle brackets. */
  messageId: string;
  date: number;
}

// Boundaries need only be absent from the parts: a per-process random prefix no content can predict, plus a
// counter. One randomBytes call per message cost ~8 µs of the compose path (profile in bench/RESULTS.md).
const BOUNDARY_PREFIX = `pf-${randomBytes(9).toString('base64url')}-`;
let boundaryCount = 0;

function mailbox(m: Mailbox): string {
  return m.name ? `${encodeDisplayName(m.name)} <${m.address}>` : m.address;
}

/**
 * Build an RFC 5322 message: multipart/alternative (text, then HTML) when there is a text part, else
 * a single text/html (or, with no HTML, text/plain) part. Lines end in CRLF. The bytes are final: transports send them as they are.
 */
export function buildMime(input: MimeInput): Buffer {
  // Subjects rendered from variables may carry line breaks: fold them to spaces, never into new headers.
  const subject = input.subject.replace(/[\r\n]+/g, ' ');
  const head: string[] = [
    `From: ${mailbox(input.from)}`,
    `To: ${mailbox(input.to)}`,
    `Subject: ${encodeHeaderValue(subject)}`,
    `Date: ${rfc5322Date(input.date)}`,
    `Message-ID: <${input.messageId}>`,
    'MIME-Version: 1.0',
  ];
  if (input.replyTo) head.push(`Reply-To: ${input.replyTo}`);
  for (const [name, value] of Object.entries(input.headers)) head.push(`${name}: ${encodeHeaderValue(value)}`);

  if (input.html === '' && input.text) {
    const text = encodeBody(input.text);
    head.push('Content-Type: text/plain; charset=utf-8', `Content-Transfer-Encoding: ${text.encoding}`);
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${text.content}\r\n`, 'utf8');
  }
  const html = encodeBody(input.html);
  if (input.text === null || input.text === '') {
    head.push('Content-Type: text/html; charset=utf-8', `Content-Transfer-Encoding: ${html.encoding}`);
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${html.content}\r\n`, 'utf8');
  }
  const text = encodeBody(input.text);
  const boundary = BOUNDARY_PREFIX + (boundaryCount++).toString(36);
  head.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
  const parts = [
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${text.encoding}\r\n\r\n${text.content}`,
    `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: ${html.encoding}\r\n\r\n${html.content}`,
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${parts.join('\r\n')}\r\n--${boundary}--\r\n`, 'utf8');
}
