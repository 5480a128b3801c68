import { addressProblem } from './address.js';

/**
 * The form a contact's email is stored and compared in (docs/adr/0013-contact-email-normalisation.md):
 * trimmed, Unicode NFC, and lower-cased whole — domain and local part — so `Ann@Example.com` and
 * `ann@example.com` are one contact, as they are one entry on the suppression list. Dots and `+tags` are kept.
 * Returns the normalised address, or `{ problem }` saying why it is not an address.
 */
export function normaliseContactEmail(raw: string): string | { problem: string } {
  const s = raw.trim().normalize('NFC').toLowerCase();
  if (s === '') return { problem: 'is required' };
  const p = addressProblem(s);
  return p ? { problem: p } : s;
}
