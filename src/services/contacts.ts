import { monotonicFactory } from 'ulid';
import { AppError } from '../domain/errors.js';
import type { Contact, ContactStatus } from '../domain/contact.js';
import type { ActivityType, ContactActivity } from '../domain/contact-activity.js';
import type { Clock } from '../ports/clock.js';
import type { ContactPatch, ContactStore } from '../ports/contact-store.js';
import type { SegmentStore } from '../ports/segment-store.js';
import { checkedAttributes, checkedEmail, checkedTags, checkedText } from './contact-input.js';
import { checkedCursor, contactFilter, type ContactQuery } from './contact-filter.js';
import type { CreateContact, PatchContact } from './contact-schema.js';

const notFound = (what: string, field: string) => new AppError('CONTACT_NOT_FOUND', `${field}: no contact has ${what}`, { field });

/** Contact use cases: create, read, look up, list, change, delete; every write validated and normalised first. */
export class Contacts {
  private readonly nextId = monotonicFactory();

  constructor(private readonly store: ContactStore, private readonly segments: SegmentStore, private readonly clock: Clock) {}

  /** Create a contact (status subscribed unless given); CONTACT_EXISTS when the email or external id is taken. */
  async create(req: CreateContact): Promise<Contact> {
    return this.store.createContact({
      id: this.nextId(this.clock.now()),
      email: checkedEmail(req.email),
      externalId: checkedText(req.external_id, 'external_id') ?? null,
      firstName: checkedText(req.first_name, 'first_name') ?? null,
      lastName: checkedText(req.last_name, 'last_name') ?? null,
      company: checkedText(req.company, 'company') ?? null,
      tags: checkedTags(req.tags) ?? [],
      attributes: checkedAttributes(req.attributes) ?? {},
      status: req.status ?? 'subscribed',
      createdAt: this.clock.now(),
    });
  }

  async get(id: string): Promise<Contact> {
    const c = await this.store.getContact(id);
    if (!c) throw notFound(`the id "${id}"`, 'id');
    return c;
  }

  /** By email, compared normalised. */
  async byEmail(email: string): Promise<Contact> {
    const c = await this.store.findContactByEmail(checkedEmail(email));
    if (!c) throw notFound(`the email "${email}"`, 'email');
    return c;
  }

  async byExternalId(externalId: string): Promise<Contact> {
    const c = await this.store.findContactByExternalId(externalId);
    if (!c) throw notFound(`the external id "${externalId}"`, 'external_id');
    return c;
  }

  /**
   * A page of contacts filtered by status, tag and/or segment: in id order after `cursor` (an id), or, with `search`,
   * those whose email starts with it (compared lower-cased, as stored) in email order after `cursor` (an email).
   */
  async list(q: ContactQuery & { search?: string; cursor?: string; limit: number }): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
    const search = q.search?.trim().toLowerCase() ?? '';
    const after = search === '' ? checkedCursor(q.cursor) : q.cursor ?? null;
    const filter = await contactFilter(q, this.segments, this.clock.now());
    const contacts = search === '' ? await this.store.pageContacts(filter, after, q.limit) : await this.store.searchContacts(search, filter, after, q.limit);
    const last = contacts[contacts.length - 1];
    return { contacts, nextCursor: contacts.length === q.limit && last ? (search === '' ? last.id : last.email) : null };
  }

  /** Change a contact: fields given replace, attributes merge (null removes a key), tags replace. */
  async update(id: string, req: PatchContact): Promise<Contact> {
    const patch: ContactPatch = {};
    if (req.email !== undefined) patch.email = checkedEmail(req.email);
    if (req.external_id !== undefined) patch.externalId = checkedText(req.external_id, 'external_id');
    if (req.first_name !== undefined) patch.firstName = checkedText(req.first_name, 'first_name');
    if (req.last_name !== undefined) patch.lastName = checkedText(req.last_name, 'last_name');
    if (req.company !== undefined) patch.company = checkedText(req.company, 'company');
    if (req.tags !== undefined) patch.tags = checkedTags(req.tags);
    if (req.attributes !== undefined) patch.attributes = checkedAttributes(req.attributes);
    if (req.status !== undefined) patch.status = req.status;
    const c = await this.store.updateContact(id, patch, this.clock.now());
    if (!c) throw notFound(`the id "${id}"`, 'id');
    return c;
  }

  /** A contact's activity, newest first (CONTACT_NOT_FOUND for an unknown contact). */
  async activity(id: string, limit: number, type?: ActivityType): Promise<ContactActivity[]> {
    await this.get(id);
    return this.store.listActivity(id, limit, type);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.deleteContact(id))) throw notFound(`the id "${id}"`, 'id');
  }

  /** Set the status of the contact with this email (unsubscribe, bounce and complaint paths); CONTACT_NOT_FOUND when none. */
  async setStatusByEmail(email: string, status: ContactStatus): Promise<Contact> {
    const c = await this.store.setStatusByEmail(checkedEmail(email), status, this.clock.now());
    if (!c) throw notFound(`the email "${email}"`, 'email');
    return c;
  }
}
