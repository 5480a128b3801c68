import { monotonicFactory } from 'ulid';
import { AppError } from '../domain/errors.js';
import type { Contact } from '../domain/contact.js';
import { parseRule } from '../domain/segment-parse.js';
import { evaluateRule } from '../domain/segment-evaluate.js';
import type { RuleNode } from '../domain/segment-rule.js';
import type { Clock } from '../ports/clock.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { SegmentRecord, SegmentStore } from '../ports/segment-store.js';
import { checkedCursor, segmentRule } from './contact-filter.js';
import type { CreateSegment, PatchSegment } from './contact-schema.js';

const notFound = (id: string) => new AppError('SEGMENT_NOT_FOUND', `id: no segment has the id "${id}"`, { field: 'id' });

/**
 * Segment use cases. A segment's rule is checked when saved (SEGMENT_RULE_INVALID naming the path) and then
 * used two ways with one meaning: as SQL for lists and counts (and campaign audiences), and in memory against
 * one contact (`matches`, what workflow conditions use).
 */
export class Segments {
  private readonly nextId = monotonicFactory();

  constructor(private readonly segments: SegmentStore, private readonly contacts: ContactStore, private readonly clock: Clock) {}

  async create(req: CreateSegment): Promise<SegmentRecord> {
    parseRule(req.rule);
    const now = this.clock.now();
    return this.segments.createSegment({ id: this.nextId(now), name: req.name.trim(), description: req.description ?? null, rule: req.rule, createdAt: now, updatedAt: now });
  }

  async get(id: string): Promise<SegmentRecord> {
    const s = await this.segments.getSegment(id);
    if (!s) throw notFound(id);
    return s;
  }

  list(): Promise<SegmentRecord[]> {
    return this.segments.listSegments();
  }

  async update(id: string, req: PatchSegment): Promise<SegmentRecord> {
    if (req.rule !== undefined) parseRule(req.rule);
    const s = await this.segments.updateSegment(id, { name: req.name?.trim(), description: req.description, rule: req.rule }, this.clock.now());
    if (!s) throw notFound(id);
    return s;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.segments.deleteSegment(id))) throw notFound(id);
  }

  /** The checked rule of a saved segment. */
  rule(id: string): Promise<RuleNode> {
    return segmentRule(this.segments, id, 'id');
  }

  /** A page of the segment's contacts in id order after `cursor`. */
  async contactsOf(id: string, q: { cursor?: string; limit: number }): Promise<{ contacts: Contact[]; nextCursor: string | null }> {
    const after = checkedCursor(q.cursor);
    const rule = await this.rule(id);
    const contacts = await this.contacts.pageContacts({ rule, now: this.clock.now() }, after, q.limit);
    return { contacts, nextCursor: contacts.length === q.limit ? contacts[contacts.length - 1]!.id : null };
  }

  /** How many contacts the segment holds now. */
  async count(id: string): Promise<number> {
    return this.contacts.countContacts({ rule: await this.rule(id), now: this.clock.now() });
  }

  /** Whether one contact is in the segment now, evaluated in memory (the same answer as the SQL). */
  async matches(id: string, contactId: string): Promise<boolean> {
    const rule = await this.rule(id);
    const contact = await this.contacts.getContact(contactId);
    if (!contact) throw new AppError('CONTACT_NOT_FOUND', `contact_id: no contact has the id "${contactId}"`, { field: 'contact_id' });
    const [activity, campaignActivity] = await Promise.all([this.contacts.lastActivity(contactId), this.contacts.lastCampaignActivity(contactId)]);
    return evaluateRule(rule, { contact, activity, campaignActivity }, this.clock.now());
  }
}
