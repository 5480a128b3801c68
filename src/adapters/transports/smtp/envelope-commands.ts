import { isAscii } from 'node:buffer';
import type { OutgoingMessage, SendOutcome } from '../../../ports/transport.js';
import type { Capabilities } from './capabilities.js';

// Characters that would end or split an SMTP command line, or an angle-bracketed path (RFC 5321 §4.1.2).
const BAD_PATH = /[\x00-\x20<>\x7f]/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Why this relay cannot take the message, checked before anything is written: an address that would
 * break the command line (CRLF injection), no recipients, a non-ASCII address the relay cannot carry (RFC 6531
 * §3.4: 553 5.6.7), or a message over the relay's announced SIZE (RFC 1870: 552 5.3.4). Null when it may go.
 */
export function envelopeProblem(m: OutgoingMessage, caps: Capabilities): (SendOutcome & { ok: false }) | null {
  const { from, to } = m.envelope;
  if (to.length === 0) return { ok: false, permanent: true, code: 554, enhancedCode: '5.5.1', response: 'no recipients in the envelope' };
  for (const a of [from, ...to]) {
    if (BAD_PATH.test(a)) return { ok: false, permanent: true, code: 501, enhancedCode: '5.1.3', response: `invalid envelope address ${JSON.stringify(a)} (control character, space or angle bracket)` };
  }
  if (!caps.smtpUtf8 && needsUtf8(m)) {
    return { ok: false, permanent: true, code: 553, enhancedCode: '5.6.7', response: 'the envelope has a non-ASCII address and the relay does not offer SMTPUTF8' };
  }
  const size = caps.size ? contentFor(m, caps).length : 0;
  if (caps.size && size > caps.size) {
    return { ok: false, permanent: true, code: 552, enhancedCode: '5.3.4', response: `message of ${size} bytes exceeds the relay's SIZE limit of ${caps.size} bytes` };
  }
  return null;
}

function needsUtf8(m: OutgoingMessage): boolean {
  return NON_ASCII.test(m.envelope.from) || m.envelope.to.some((a) => NON_ASCII.test(a));
}

/**
 * The MAIL FROM, RCPT TO… and DATA commands of one transaction as one buffer, so that with PIPELINING they
 * leave in a single write (RFC 2920 §3.1: DATA ends a group). Parameters: SIZE when the relay announced it,
 * SMTPUTF8 when an address needs it, BODY=8BITMIME when the content has 8-bit bytes and the relay takes them.
 */
export function envelopeCommands(m: OutgoingMessage, caps: Capabilities, rsetFirst: boolean): Buffer {
  return Buffer.from(`${rsetFirst ? 'RSET\r\n' : ''}${mailFrom(m, caps)}\r\n${m.envelope.to.map((a) => `RCPT TO:<${a}>\r\n`).join('')}DATA\r\n`, 'utf8');
}

/**
 * The bytes this relay gets for the message: as composed, or — when they have 8bit bodies and the relay does not offer
 * 8BITMIME — their 7-bit copy (RFC 6152 §3: 8-bit content goes only where 8BITMIME is announced).
 */
export function contentFor(m: OutgoingMessage, caps: Capabilities): Buffer {
  return m.sevenBit && !caps.eightBitMime ? m.sevenBit() : m.raw;
}

/** The MAIL FROM command (without CRLF). */
export function mailFrom(m: OutgoingMessage, caps: Capabilities): string {
  let cmd = `MAIL FROM:<${m.envelope.from}>`;
  if (caps.size !== null) cmd += ` SIZE=${contentFor(m, caps).length}`;
  // A message with a 7-bit copy has 8bit bodies; others are looked at (an address or header may be UTF-8).
  if (caps.eightBitMime && (m.sevenBit !== undefined || !isAscii(m.raw))) cmd += ' BODY=8BITMIME';
  if (caps.smtpUtf8 && needsUtf8(m)) cmd += ' SMTPUTF8';
  return cmd;
}
