import { randomBytes } from 'node:crypto';
import type { Mailbox } from '../domain/address.js';
import type { MimeBody } from './template-engine.js';
import { encodeDisplayName, encodeHeaderValue, MimeWriter, rfc5322Date, type EightBitPart } from './mime-encoding.js';

/** Everything needed to build one message's MIME bytes. */
export interface MimeInput {
  from: Mailbox;
  to: Mailbox;
  replyTo?: string | null;
  subject: string;
  /** A string, or a wire renderer with its variables (TemplateEngine.renderMime). */
  html: MimeBody;
  text: MimeBody | null;
  /** Extra headers, already validated (no CR/LF, not reserved). */
  headers: Record<string, string>;
  /** Message-ID without angle brackets. */
  messageId: string;
  date: number;
  /** Non-ASCII bodies may go out as 8bit (MimeWriter.reset); default base64. */
  eightBit?: boolean;
}

// Boundaries need only be absent from the parts: a per-process random prefix no content can predict, plus a
// counter. One randomBytes call per message cost ~8 µs of the compose path (profile in bench/RESULTS.md).
const BOUNDARY_PREFIX = `pf-${randomBytes(9).toString('base64url')}-`;
let boundaryCount = 0;

// This thread's writer: buildMime is synchronous, so one message at a time uses it.
const writer = new MimeWriter();
const TEXT = 0;
const HTML = 1;

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

  // Both bodies are prepared first: which of them is empty decides the structure.
  const w = writer;
  w.reset(input.eightBit);
  const hasText = input.text !== null && w.prepareBody(TEXT, input.text) > 0;
  const hasHtml = w.prepareBody(HTML, input.html) > 0;
  if (!hasHtml && hasText) {
    head.push('Content-Type: text/plain; charset=utf-8', `Content-Transfer-Encoding: ${w.encoding(TEXT)}`);
    return single(w, head, TEXT);
  }
  if (!hasText) {
    head.push('Content-Type: text/html; charset=utf-8', `Content-Transfer-Encoding: ${w.encoding(HTML)}`);
    return single(w, head, HTML);
  }
  const boundary = BOUNDARY_PREFIX + (boundaryCount++).toString(36);
  head.push(`Content-Type: multipart/alternative; boundary="${boundary}"`);
  w.text(`${head.join('\r\n')}\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${w.encoding(TEXT)}\r\n\r\n`);
  w.writeBody(TEXT);
  w.text(`\r\n--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: ${w.encoding(HTML)}\r\n\r\n`);
  w.writeBody(HTML);
  w.text(`\r\n--${boundary}--\r\n`);
  return w.finish();
}

/**
 * Give back the bytes of a message buildMime returned on this thread, once nothing will read them again, so that their
 * memory is used for later messages (MimeWriter.release). At most once per message; other buffers are ignored.
 */
export function releaseMime(bytes: Buffer): void {
  writer.release(bytes);
}

/** Where the 8bit bodies of the message buildMime returned last on this thread lie in it (null: none). */
export function lastEightBitParts(): EightBitPart[] | null {
  return writer.eightBitParts();
}

/** This thread's slab counts: how many were allocated, and how many times a released one was used again. */
export function mimeSlabStats(): { allocated: number; reused: number } {
  return { ...writer.slabStats };
}

/** A one-part message: the headers, a blank line, the prepared body and a final CRLF. */
function single(w: MimeWriter, head: string[], slot: 0 | 1): Buffer {
  w.text(`${head.join('\r\n')}\r\n\r\n`);
  w.writeBody(slot);
  w.text('\r\n');
  return w.finish();
}
