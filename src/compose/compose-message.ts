import type { Mailbox } from '../domain/address.js';
import type { MessageRecord } from '../ports/store.js';
import type { OutgoingMessage } from '../ports/transport.js';
import { buildMime, lastEightBitParts, releaseMime } from './mime.js';
import { sevenBitCopy } from './mime-encoding.js';
import { dkimAligned, dkimSign, type DkimKey } from './dkim.js';
import type { CompiledTemplate, TemplateEngine } from './template-engine.js';

/** The fields of a stored message that composing reads (all a delivery thread is sent). */
export type ComposeInput = Pick<MessageRecord, 'id' | 'fromAddress' | 'fromName' | 'toAddress' | 'toName' | 'toDomain' | 'replyTo' | 'headers' | 'variables' | 'templateId' | 'templateVersion' | 'subject' | 'html' | 'text'>;

/** The ComposeInput part of a message, as a new object of only those fields (cheaper to post to a thread). */
export function composeInput(m: ComposeInput): ComposeInput {
  return {
    id: m.id, fromAddress: m.fromAddress, fromName: m.fromName, toAddress: m.toAddress, toName: m.toName, toDomain: m.toDomain, replyTo: m.replyTo,
    headers: m.headers, variables: m.variables, templateId: m.templateId, templateVersion: m.templateVersion, subject: m.subject, html: m.html, text: m.text,
  };
}

/** What composing a stored message gives: the bytes to send and the rendered subject (for logs). */
export interface ComposedMessage extends OutgoingMessage {
  subject: string;
}

/** The RFC 5322 Message-ID of a stored message (without brackets): the same for every attempt. */
export function messageIdFor(m: Pick<MessageRecord, 'id' | 'fromAddress'>): string {
  return `${m.id.toLowerCase()}@${m.fromAddress.slice(m.fromAddress.lastIndexOf('@') + 1)}`;
}

/**
 * Render a stored message with its compiled template and build its MIME bytes. The Message-ID is derived
 * from the message id, so every attempt of one message carries the same Message-ID.
 *
 * With `eightBit` (the transport carries 8-bit content: Transport.eightBit), non-ASCII bodies go out as 8bit instead of
 * base64 — a quarter fewer bytes, no encoding — and the message gets `sevenBit` for a hop that cannot take them. A
 * message this function signs stays 7-bit: a relay's downgrade would break its body hash (RFC 6376 §5.3).
 */
export function composeMessage(m: ComposeInput, compiled: CompiledTemplate, engine: TemplateEngine, now: number, dkim?: DkimKey, eightBit = false): ComposedMessage {
  const content = engine.renderMime(compiled, m.variables);
  const from: Mailbox = { address: m.fromAddress, domain: m.fromAddress.slice(m.fromAddress.lastIndexOf('@') + 1), name: m.fromName ?? undefined };
  const to: Mailbox = { address: m.toAddress, domain: m.toDomain, name: m.toName ?? undefined };
  const messageId = messageIdFor(m);
  // Only mail from the key's domain (or a subdomain) is signed: a foreign d= would not align for DMARC.
  const signing = dkim !== undefined && dkimAligned(dkim, from.domain);
  const built = buildMime({ from, to, replyTo: m.replyTo, subject: content.subject, html: content.html, text: content.text, headers: m.headers, messageId, date: now, eightBit: eightBit && !signing });
  const envelope = { from: m.fromAddress, to: [m.toAddress] };
  if (signing) {
    // The signed message is a copy: the built bytes are given back at once.
    const raw = dkimSign(built, dkim, now);
    releaseMime(built);
    return { id: m.id, messageId, envelope, raw, subject: content.subject };
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    releaseMime(built);
  };
  const parts = lastEightBitParts();
  if (!parts) return { id: m.id, messageId, envelope, raw: built, subject: content.subject, release };
  let seven: Buffer | undefined;
  const sevenBit = (): Buffer => (seven ??= sevenBitCopy(built, parts));
  return { id: m.id, messageId, envelope, raw: built, subject: content.subject, release, sevenBit };
}
