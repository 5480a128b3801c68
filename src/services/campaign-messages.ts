import { monotonicFactory } from 'ulid';
import { parseMailbox, type Mailbox } from '../domain/address.js';
import { campaignMessageKey, type Campaign } from '../domain/campaign.js';
import type { Contact } from '../domain/contact.js';
import { priorityRank } from '../domain/priority.js';
import type { NewMessage } from '../ports/store.js';
import type { UnsubscribeTokens } from './unsubscribe-tokens.js';

/** Settings campaign messages are built with. */
export interface CampaignMessageOptions {
  /** Base URL of this installation as recipients reach it (POSTFLOW_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** Address for mailto unsubscribes (POSTFLOW_UNSUBSCRIBE_MAILTO), or null for none. */
  mailto: string | null;
  defaultFrom: Mailbox;
  maxAttempts: number;
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();

/**
 * Builds the message a campaign sends one contact: its template version, the contact's fields over its
 * attributes as variables (plus `unsubscribe_url`), the RFC 8058 List-Unsubscribe headers with a signed link,
 * low priority (transactional mail drains first), and the idempotency key that makes it unique per contact.
 */
export class CampaignMessageBuilder {
  private readonly nextId = monotonicFactory();

  constructor(private readonly tokens: UnsubscribeTokens, private readonly opts: CampaignMessageOptions) {}

  /** The signed one-click unsubscribe URL of a contact in a campaign. */
  unsubscribeUrl(campaignId: string, contactId: string): string {
    return `${this.opts.publicUrl}/u/${this.tokens.sign({ contactId, campaignId })}`;
  }

  /** The message for one contact (held until the runner releases it). */
  build(c: Campaign, contact: Contact, now: number): NewMessage {
    const from = c.from ? parseMailbox(c.from) : this.opts.defaultFrom;
    if (typeof from === 'string') throw new Error(`campaign ${c.id}: from "${c.from}" ${from}`);
    const url = this.unsubscribeUrl(c.id, contact.id);
    const mailto = this.opts.mailto ? `, <mailto:${this.opts.mailto}?subject=unsubscribe%20${encodeURIComponent(url.slice(url.lastIndexOf('/') + 1))}>` : '';
    const name = oneLine([contact.firstName, contact.lastName].filter((x) => x).join(' '));
    return {
      id: this.nextId(now),
      toAddress: contact.email,
      toName: name || null,
      toDomain: contact.email.slice(contact.email.lastIndexOf('@') + 1),
      fromAddress: from.address,
      fromName: from.name ?? null,
      replyTo: null,
      templateId: c.templateId,
      templateVersion: c.templateVersion,
      subject: null,
      html: null,
      text: null,
      // Contact fields win over attributes of the same name (attribute keys may not use field names anyway).
      variables: {
        ...contact.attributes,
        email: contact.email,
        first_name: contact.firstName,
        last_name: contact.lastName,
        company: contact.company,
        contact_id: contact.id,
        unsubscribe_url: url,
      },
      headers: { 'List-Unsubscribe': `<${url}>${mailto}`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      tags: [`campaign:${c.id}`],
      priority: priorityRank('low'),
      dueAt: now,
      idempotencyKey: campaignMessageKey(c.id, contact.id),
      apiKeyId: null,
      maxAttempts: this.opts.maxAttempts,
      createdAt: now,
      senderPool: c.senderPool,
    };
  }
}
