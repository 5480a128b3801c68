/**
 * A message is "in doubt" when its whole content, end of data included, was handed to the receiver and the process
 * that sent it stopped before reading the answer (RFC 1047): the receiver probably has it, but nobody can know.
 * Sending it again risks a second copy; not sending it risks a loss. The choice is the operator's, per kind of mail
 * (docs/adr/0012-sent-journal.md): marketing mail prefers no second copy, transactional mail prefers no loss.
 * Marketing mail is mail to a contact (campaigns; later workflows); transactional mail is what the API accepts.
 */
export type InDoubtPolicy = 'resend' | 'assume-sent';

export const IN_DOUBT_POLICIES: readonly InDoubtPolicy[] = ['resend', 'assume-sent'];

/** The policy for marketing messages (to a contact) and for transactional ones. */
export interface InDoubtPolicies {
  marketing: InDoubtPolicy;
  transactional: InDoubtPolicy;
}

/** Marketing copies are not resent (a second copy is the failure campaign users report); transactional ones are. */
export const DEFAULT_IN_DOUBT: InDoubtPolicies = { marketing: 'assume-sent', transactional: 'resend' };

/** The policy that applies to one message. */
export function inDoubtPolicyFor(p: InDoubtPolicies, m: { contactId?: string | null }): InDoubtPolicy {
  return m.contactId ? p.marketing : p.transactional;
}

/**
 * The attempt number to note in the sent journal when this message's end of data is written, or undefined when its
 * policy resends it anyway (then nothing needs noting, and nothing is written).
 */
export function inDoubtAttempt(p: InDoubtPolicies, m: { contactId?: string | null; attempts: number }): number | undefined {
  return inDoubtPolicyFor(p, m) === 'assume-sent' ? m.attempts : undefined;
}
