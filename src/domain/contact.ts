/** Subscription states of a contact; only `subscribed` contacts are mailed by campaigns. */
export const CONTACT_STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;

/** A contact's subscription state. */
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** A contact as the domain sees it (the store's record, the rule evaluator's input). */
export interface Contact {
  /** ULID: sorts by creation, the stable key audiences are paged by. */
  id: string;
  /** Normalised (see contact-email.ts): unique across contacts. */
  email: string;
  /** The caller's own id for this person, unique when set. */
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  /** Distinct, trimmed, case-sensitive; kept in insertion-independent sorted order. */
  tags: string[];
  /** Custom attributes: a JSON object (keys checked by attributeKeyProblem). */
  attributes: Record<string, unknown>;
  status: ContactStatus;
  /** Engagement score in thousandths of a point (0.1 = 100): integer arithmetic, identical on every store. */
  engagementMilli: number;
  /** Epoch ms of the last open, click or conversion; null before the first. */
  lastEngagement: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Names that belong to contact fields and so cannot be attribute keys: a rule's `attr` names a field when it
 * is one of these, an attribute otherwise, and CSV columns with these names fill the fields.
 */
export const RESERVED_CONTACT_NAMES: ReadonlySet<string> = new Set([
  'id', 'email', 'external_id', 'first_name', 'last_name', 'company', 'status', 'tags', 'attributes',
  'engagement_score', 'last_engagement', 'created_at', 'updated_at', '__proto__',
]);

/** True when `s` is one of the contact statuses. */
export function isContactStatus(s: unknown): s is ContactStatus {
  return typeof s === 'string' && (CONTACT_STATUSES as readonly string[]).includes(s);
}
