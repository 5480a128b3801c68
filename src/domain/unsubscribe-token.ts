/**
 * The unsubscribe token carried in a campaign message's List-Unsubscribe link: `<ids>.<mac>`, where `<ids>` is
 * base64url of "v1", the contact id and the campaign id joined by NUL, and `<mac>` is base64url of
 * HMAC-SHA256(POSTFLOW_SECRET, the same bytes). The MAC itself is computed outside the domain (services/unsubscribe-tokens.ts).
 */

/** What a token names. */
export interface UnsubscribeTarget {
  contactId: string;
  campaignId: string;
}

/** A token split into what it names, the bytes that were signed, and the MAC it carries. */
export interface ParsedUnsubscribeToken extends UnsubscribeTarget {
  signed: string;
  mac: string;
}

const VERSION = 'v1';
const SEP = '\u0000';
/** Longest token accepted: two ids of up to 128 characters plus the MAC, with room to spare. */
export const MAX_UNSUBSCRIBE_TOKEN = 512;
const B64URL = /^[A-Za-z0-9_-]+$/;
// base64url of 32 bytes without padding.
const MAC_LENGTH = 43;

/** The exact text the MAC is computed over for a contact and campaign. */
export function unsubscribeSigningText(t: UnsubscribeTarget): string {
  return [VERSION, t.contactId, t.campaignId].join(SEP);
}

/** The token for a target and its MAC (base64url). */
export function formatUnsubscribeToken(t: UnsubscribeTarget, mac: string): string {
  return `${Buffer.from(unsubscribeSigningText(t), 'utf8').toString('base64url')}.${mac}`;
}

/** Split a token; null when it is not shaped like one (the MAC is not checked here). */
export function parseUnsubscribeToken(token: string): ParsedUnsubscribeToken | null {
  if (token.length > MAX_UNSUBSCRIBE_TOKEN) return null;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const ids = token.slice(0, dot);
  const mac = token.slice(dot + 1);
  if (!B64URL.test(ids) || !B64URL.test(mac) || mac.length !== MAC_LENGTH) return null;
  // Canonical base64url only: the unused low bits of the last character would otherwise let an altered token pass.
  if (Buffer.from(mac, 'base64url').toString('base64url') !== mac) return null;
  const signed = Buffer.from(ids, 'base64url').toString('utf8');
  // Re-encoding must give the same text: refuses non-canonical base64 and invalid UTF-8 alike.
  if (Buffer.from(signed, 'utf8').toString('base64url') !== ids) return null;
  const parts = signed.split(SEP);
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const [, contactId, campaignId] = parts as [string, string, string];
  if (!contactId || !campaignId || contactId.length > 128 || campaignId.length > 128) return null;
  return { contactId, campaignId, signed, mac };
}
