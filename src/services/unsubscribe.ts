import { AppError } from '../domain/errors.js';
import type { UnsubscribeTarget } from '../domain/unsubscribe-token.js';
import type { Clock } from '../ports/clock.js';
import type { CampaignStore } from '../ports/campaign-store.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { UnsubscribeTokens } from './unsubscribe-tokens.js';

/** What the confirmation page shows. */
export interface UnsubscribePage {
  /** The address, partly masked (the page is reachable by whoever holds the link). */
  maskedEmail: string;
  campaignName: string | null;
  /** True when the contact is already not subscribed. */
  already: boolean;
}

/** Mask an address for display: the first letter of the local part, then dots, then the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${email[0]}…${email.slice(at)}`;
}

/**
 * Unsubscribing from a campaign link without login: the token (HMAC-signed) is the only credential. A forged,
 * altered or malformed token is refused with UNSUBSCRIBE_TOKEN_INVALID and nothing changes.
 */
export class Unsubscribe {
  constructor(
    private readonly tokens: UnsubscribeTokens,
    private readonly campaigns: Pick<CampaignStore, 'getCampaign' | 'recordUnsubscribe'>,
    private readonly contacts: Pick<ContactStore, 'getContact'>,
    private readonly clock: Clock,
  ) {}

  /** What the confirmation page (GET) shows; changes nothing. */
  async page(token: string): Promise<UnsubscribePage> {
    const t = this.check(token);
    const [contact, campaign] = await Promise.all([this.contacts.getContact(t.contactId), this.campaigns.getCampaign(t.campaignId)]);
    if (!contact) throw new AppError('CONTACT_NOT_FOUND', 'token: the contact this link was sent to no longer exists', { field: 'token' });
    return { maskedEmail: maskEmail(contact.email), campaignName: campaign?.name ?? null, already: contact.status !== 'subscribed' };
  }

  /**
   * The one-click unsubscribe (RFC 8058 POST): suppress the address, set the contact unsubscribed with its
   * engagement lowered, count it on the campaign — all in one transaction, and only once however often it is posted.
   */
  async oneClick(token: string): Promise<{ address: string; changed: boolean }> {
    const t = this.check(token);
    const out = await this.campaigns.recordUnsubscribe({ ...t, at: this.clock.now() });
    if (out.address === null) throw new AppError('CONTACT_NOT_FOUND', 'token: the contact this link was sent to no longer exists', { field: 'token' });
    return { address: out.address, changed: out.changed };
  }

  private check(token: string): UnsubscribeTarget {
    const t = this.tokens.verify(token);
    if (!t) throw new AppError('UNSUBSCRIBE_TOKEN_INVALID', 'token: this unsubscribe link is not valid (altered or not from this sender)', { field: 'token' });
    return t;
  }
}
