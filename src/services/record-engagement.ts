import { AppError, invalid } from '../domain/errors.js';
import type { Contact } from '../domain/contact.js';
import type { EngagementType } from '../domain/engagement.js';
import type { Clock } from '../ports/clock.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { Store } from '../ports/store.js';

// Events may come from other machines whose clocks run a little ahead; further ahead is a mistake.
const MAX_AHEAD_MS = 60_000;

/**
 * Record an engagement (open, click, conversion, unsubscribe) against a contact: the score and last_engagement
 * move as the seed says (domain/engagement.ts) in one atomic update with an activity row. An unsubscribe also
 * makes a subscribed contact `unsubscribed` and puts the address on the suppression list. Tracking uses this.
 */
export class RecordEngagement {
  constructor(private readonly contacts: ContactStore, private readonly suppressions: Pick<Store, 'addSuppressions'>, private readonly clock: Clock) {}

  async record(contactId: string, e: { type: EngagementType; at?: number; messageId?: string | null }): Promise<Contact> {
    const now = this.clock.now();
    const at = e.at ?? now;
    if (at > now + MAX_AHEAD_MS) throw invalid('at', 'is in the future');
    let status: 'unsubscribed' | undefined;
    if (e.type === 'unsubscribe') {
      const cur = await this.contacts.getContact(contactId);
      // Bounced and complained are stronger states than unsubscribed: they stay.
      if (cur?.status === 'subscribed') status = 'unsubscribed';
    }
    const c = await this.contacts.recordEngagement(contactId, e.type, at, e.messageId ?? null, status);
    if (!c) throw new AppError('CONTACT_NOT_FOUND', `id: no contact has the id "${contactId}"`, { field: 'id' });
    if (e.type === 'unsubscribe') {
      await this.suppressions.addSuppressions([{ address: c.email, reason: 'unsubscribe', detail: 'contact unsubscribed', messageId: e.messageId ?? null, createdAt: at }]);
    }
    return c;
  }
}
