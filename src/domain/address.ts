/** A parsed mailbox: the bare address, its lower-cased domain, and an optional display name. */
export interface Mailbox {
  address: string;
  domain: string;
  name?: string;
}

// Pragmatic RFC 5321 shape: dot-atom local part (or a quoted string), a domain of LDH labels with a dot.
const LOCAL = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[^"\\\r\n]|\\.)+")$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
// Internationalised domain labels (IDN, U-label form): letters and digits of any script, no edge hyphen.
const LABEL_UTF8 = /^(?!-)[\p{L}\p{M}\p{N}-]{1,63}(?<!-)$/u;
// Internationalised local parts (SMTPUTF8) are allowed: any non-ASCII letters beside the atom characters.
const LOCAL_UTF8 = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~.-]+$/u;

/** Why an address was refused, or null when it is acceptable. */
export function addressProblem(address: string): string | null {
  if (/[\r\n]/.test(address)) return 'must not contain CR or LF';
  if (address.length > 254) return 'is longer than 254 characters';
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'is not an email address (expected local@domain)';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64) return 'has a local part longer than 64 characters';
  if (!LOCAL.test(local) && !(LOCAL_UTF8.test(local) && !local.startsWith('.') && !local.endsWith('.') && !local.includes('..'))) {
    return 'has an invalid local part';
  }
  const labels = domain.normalize('NFC').split('.');
  if (labels.length < 2) return 'has a domain without a dot';
  for (const l of labels) {
    if (!LABEL.test(l) && !LABEL_UTF8.test(l)) return `has an invalid domain label "${l}"`;
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return 'has a numeric top-level domain';
  return null;
}

/**
 * Parse `addr@example.com` or `Display Name <addr@example.com>`.
 * Returns the mailbox, or a string saying what is wrong.
 */
export function parseMailbox(input: string): Mailbox | string {
  if (/[\r\n]/.test(input)) return 'must not contain CR or LF';
  const s = input.trim();
  let address = s;
  let name: string | undefined;
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(s);
  if (m) {
    address = m[2]!.trim();
    name = m[1]!.trim().replace(/^"(.*)"$/, '$1') || undefined;
  }
  const problem = addressProblem(address);
  if (problem) return problem;
  const at = address.lastIndexOf('@');
  return { address, domain: address.slice(at + 1).toLowerCase(), name };
}

/** The mailbox as a header value (the display name encoded by the MIME builder). */
export function formatMailbox(m: Mailbox): string {
  return m.name ? `${m.name} <${m.address}>` : m.address;
}
