// The ContactStore and SegmentStore contract: one suite both SQL dialects must pass (run for SQLite and PostgreSQL).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { monotonicFactory } from 'ulid';
import type { ContactStore, ImportJob, NewContact } from '../../src/ports/contact-store.js';
import type { SegmentStore } from '../../src/ports/segment-store.js';
import type { Store } from '../../src/ports/store.js';
import { AppError } from '../../src/domain/errors.js';
import { applyEngagement, type EngagementType } from '../../src/domain/engagement.js';
import type { IdentifiedRow } from '../../src/domain/contact-import-plan.js';
import { parseRule } from '../../src/domain/segment-parse.js';

const nextId = monotonicFactory();
const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

/** A valid new contact with overrides. */
export function newContact(over: Partial<NewContact> = {}): NewContact {
  return {
    id: nextId(), email: `c${Math.random().toString(36).slice(2)}@example.com`, externalId: null, firstName: 'Ann', lastName: 'Lee', company: 'Acme',
    tags: [], attributes: {}, status: 'subscribed', createdAt: T0, ...over,
  };
}

function job(over: Partial<ImportJob> = {}): ImportJob {
  return {
    id: nextId(), state: 'importing', source: 'upload', totalRows: null, rowsRead: 0, inserted: 0, updated: 0, failed: 0, error: null,
    options: { map: {}, tags: [] }, createdAt: T0, updatedAt: T0, finishedAt: null, ...over,
  };
}

function row(line: number, email: string, over: Partial<IdentifiedRow> = {}): IdentifiedRow {
  return { line, newId: nextId(), email, tags: [], attributes: {}, ...over };
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; field?: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, field: e.field };
    throw e;
  }
  throw new Error('expected an AppError');
}

/** Stores made fresh (migrated, empty) for each test. */
export interface ContactStores {
  store: Store;
  contacts: ContactStore;
  segments: SegmentStore;
  cleanup: () => Promise<void>;
}

/** Run the contract against stores made by `make`. */
export function describeContactStoreContract(name: string, make: () => Promise<ContactStores>, skip = false): void {
  describe.skipIf(skip)(`ContactStore contract: ${name}`, () => {
    let s: ContactStores;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('stores a contact and reads it back whole, by id, email and external id', async () => {
      const c = newContact({ email: 'ann@example.com', externalId: 'crm-1', tags: ['vip', 'beta', 'Zeta'], attributes: { plan: 'pro', seats: 5, nested: { a: [1, 'x'] }, ok: true } });
      const created = await s.contacts.createContact(c);
      const want = { ...c, tags: ['Zeta', 'beta', 'vip'], engagementMilli: 0, lastEngagement: null, updatedAt: T0 };
      delete (want as Partial<NewContact>).createdAt;
      expect(created).toMatchObject(want);
      expect(await s.contacts.getContact(c.id)).toEqual(created);
      expect(await s.contacts.findContactByEmail('ann@example.com')).toEqual(created);
      expect(await s.contacts.findContactByExternalId('crm-1')).toEqual(created);
      expect(await s.contacts.getContact('01NOPE00000000000000000000')).toBeNull();
      expect(await s.contacts.findContactByEmail('nobody@example.com')).toBeNull();
    });

    it('refuses a second contact with the same email or external id, writing nothing', async () => {
      await s.contacts.createContact(newContact({ email: 'ann@example.com', externalId: 'x1' }));
      expect(await codeOf(s.contacts.createContact(newContact({ email: 'ann@example.com', tags: ['t'] })))).toEqual({ code: 'CONTACT_EXISTS', field: 'email' });
      expect(await codeOf(s.contacts.createContact(newContact({ email: 'bob@example.com', externalId: 'x1' })))).toEqual({ code: 'CONTACT_EXISTS', field: 'external_id' });
      expect(await s.contacts.countContacts({})).toBe(1);
      expect(await s.contacts.countContacts({ tag: 't' })).toBe(0);
    });

    it('updates fields, merges attributes (null removes a key), replaces tags, and guards unique keys', async () => {
      const a = await s.contacts.createContact(newContact({ email: 'a@example.com', tags: ['old'], attributes: { plan: 'free', keep: 1, drop: 'x' } }));
      await s.contacts.createContact(newContact({ email: 'b@example.com', externalId: 'b-ext' }));
      const u = await s.contacts.updateContact(a.id, { firstName: null, company: 'Initech', status: 'unsubscribed', tags: ['new', 'also'], attributes: { plan: 'pro', drop: null } }, T0 + 5);
      expect(u).toMatchObject({ id: a.id, firstName: null, lastName: 'Lee', company: 'Initech', status: 'unsubscribed', tags: ['also', 'new'], attributes: { plan: 'pro', keep: 1 }, updatedAt: T0 + 5, createdAt: T0 });
      expect(await s.contacts.getContact(a.id)).toEqual(u);
      expect(await codeOf(s.contacts.updateContact(a.id, { email: 'b@example.com' }, T0 + 6))).toEqual({ code: 'CONTACT_EXISTS', field: 'email' });
      expect(await codeOf(s.contacts.updateContact(a.id, { externalId: 'b-ext' }, T0 + 6))).toEqual({ code: 'CONTACT_EXISTS', field: 'external_id' });
      expect(await s.contacts.getContact(a.id)).toEqual(u);
      expect((await s.contacts.updateContact(a.id, { email: 'a2@example.com' }, T0 + 7))!.email).toBe('a2@example.com');
      expect(await s.contacts.updateContact('01NOPE00000000000000000000', { firstName: 'x' }, T0)).toBeNull();
    });

    it('deletes a contact with its tags and activity', async () => {
      const a = await s.contacts.createContact(newContact({ tags: ['vip'] }));
      await s.contacts.recordEngagement(a.id, 'open', T0, null);
      expect(await s.contacts.deleteContact(a.id)).toBe(true);
      expect(await s.contacts.deleteContact(a.id)).toBe(false);
      expect(await s.contacts.getContact(a.id)).toBeNull();
      expect(await s.contacts.countContacts({ tag: 'vip' })).toBe(0);
      expect(await s.contacts.lastActivity(a.id)).toEqual({});
      // The email is free again.
      await s.contacts.createContact(newContact({ email: a.email }));
    });

    it('searches by the start of the email in byte order, pages by email, and combines with filters', async () => {
      const emails = ['ada@example.com', 'ada.l@example.org', 'adam@example.net', 'ad-min@example.com', 'bob@example.com', 'adb@example.com', 'ade\u00e9@example.com', 'ad\u{1F600}@example.com'];
      const made = new Map<string, string>();
      for (const [i, email] of emails.entries()) made.set(email, (await s.contacts.createContact(newContact({ email, status: i === 2 ? 'bounced' : 'subscribed', tags: i % 2 === 0 ? ['even'] : [] }))).id);
      const search = async (prefix: string, after: string | null = null, limit = 100, filter = {}) => (await s.contacts.searchContacts(prefix, filter, after, limit)).map((c) => c.email);
      // Code-point order ('-' < '.' < '@' < letters < é < emoji), the same on both dialects whatever PostgreSQL's collation.
      expect(await search('ad')).toEqual(['ad-min@example.com', 'ada.l@example.org', 'ada@example.com', 'adam@example.net', 'adb@example.com', 'ade\u00e9@example.com', 'ad\u{1F600}@example.com']);
      expect(await search('ada.')).toEqual(['ada.l@example.org']);
      expect(await search('ada@')).toEqual(['ada@example.com']);
      expect(await search('ade\u00e9')).toEqual(['ade\u00e9@example.com']);
      expect(await search('ad\u{1F600}')).toEqual(['ad\u{1F600}@example.com']);
      expect(await search('adz')).toEqual([]);
      expect(await search('')).toHaveLength(emails.length);
      // Keyset pages by email: no contact twice, none missed.
      const page1 = await search('ad', null, 3);
      const page2 = await search('ad', page1[2]!, 3);
      const page3 = await search('ad', page2[2]!, 3);
      expect([...page1, ...page2, ...page3]).toEqual(await search('ad'));
      expect(await search('ada', null, 100, { status: 'subscribed' })).toEqual(['ada.l@example.org', 'ada@example.com']);
      expect(await search('ad', null, 100, { tag: 'even' })).toEqual(['ada@example.com', 'adam@example.net', 'ade\u00e9@example.com']);
      const found = (await s.contacts.searchContacts('bob', {}, null, 10))[0]!;
      expect(found).toMatchObject({ id: made.get('bob@example.com'), email: 'bob@example.com', firstName: 'Ann' });
    });

    it('sets a status by email (the unsubscribe path)', async () => {
      const a = await s.contacts.createContact(newContact({ email: 'ann@example.com' }));
      const u = await s.contacts.setStatusByEmail('ann@example.com', 'unsubscribed', T0 + 1);
      expect(u).toMatchObject({ id: a.id, status: 'unsubscribed', updatedAt: T0 + 1 });
      expect(await s.contacts.setStatusByEmail('nobody@example.com', 'unsubscribed', T0)).toBeNull();
    });

    it('pages contacts by id in bounded pages, with status, tag and any-tag filters and counts', async () => {
      const made = [];
      for (let i = 0; i < 23; i++) {
        made.push(await s.contacts.createContact(newContact({ status: i % 3 === 0 ? 'bounced' : 'subscribed', tags: i % 2 === 0 ? ['even'] : i % 5 === 0 ? ['five'] : [] })));
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const page: { id: string }[] = await s.contacts.pageContacts({}, after, 5);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(5);
        seen.push(...page.map((c) => c.id));
        after = page[page.length - 1]!.id;
      }
      expect(seen).toEqual(made.map((c) => c.id));
      const subscribedEven = made.filter((c) => c.status === 'subscribed' && c.tags.includes('even')).map((c) => c.id);
      expect((await s.contacts.pageContacts({ status: 'subscribed', tag: 'even' }, null, 100)).map((c) => c.id)).toEqual(subscribedEven);
      expect(await s.contacts.countContacts({ status: 'subscribed', tag: 'even' })).toBe(subscribedEven.length);
      const anyTags = made.filter((c) => c.tags.length > 0).map((c) => c.id);
      expect((await s.contacts.pageContacts({ anyTags: ['even', 'five'] }, null, 100)).map((c) => c.id)).toEqual(anyTags);
      expect(await s.contacts.countContacts({ anyTags: [] })).toBe(0);
      expect(await s.contacts.countContacts({ status: 'bounced' })).toBe(8);
    });

    it('records engagement exactly as applyEngagement says: floored at 0, last_engagement except on unsubscribe', async () => {
      const a = await s.contacts.createContact(newContact());
      const seq: [EngagementType, number][] = [['open', T0 + 10], ['click', T0 + 5], ['unsubscribe', T0 + 50], ['conversion', T0 + 20], ['open', T0 + 30], ['unsubscribe', T0 + 60], ['unsubscribe', T0 + 70]];
      let expected = { engagementMilli: 0, lastEngagement: null as number | null };
      for (const [type, at] of seq) {
        expected = applyEngagement(expected, type, at);
        const c = await s.contacts.recordEngagement(a.id, type, at, 'm1');
        expect({ engagementMilli: c!.engagementMilli, lastEngagement: c!.lastEngagement }).toEqual(expected);
      }
      expect(expected).toEqual({ engagementMilli: 0, lastEngagement: T0 + 30 });
      expect(await s.contacts.lastActivity(a.id)).toEqual({ opened: T0 + 30, clicked: T0 + 5, converted: T0 + 20, unsubscribed: T0 + 70 });
      const acts = await s.contacts.listActivity(a.id, 3);
      expect(acts.map((x) => [x.type, x.at, x.messageId])).toEqual([['unsubscribed', T0 + 70, 'm1'], ['unsubscribed', T0 + 60, 'm1'], ['unsubscribed', T0 + 50, 'm1']]);
      const u = await s.contacts.recordEngagement(a.id, 'unsubscribe', T0 + 80, null, 'unsubscribed');
      expect(u!.status).toBe('unsubscribed');
      expect(await s.contacts.recordEngagement('01NOPE00000000000000000000', 'open', T0, null)).toBeNull();
    });

    it('writes activity in batches, dropping rows of contacts that no longer exist', async () => {
      const a = await s.contacts.createContact(newContact());
      await s.contacts.recordActivity([
        { contactId: a.id, type: 'sent', at: T0, messageId: 'm1' },
        { contactId: '01GONE00000000000000000000', type: 'sent', at: T0, messageId: 'm2' },
        { contactId: a.id, type: 'bounced', at: T0 + 1, messageId: 'm1' },
        { contactId: a.id, type: 'sent', at: T0 - 5, messageId: 'm3', campaignId: 'c1' },
        { contactId: a.id, type: 'sent', at: T0 - 9, messageId: 'm4', campaignId: 'c1' },
        { contactId: a.id, type: 'failed', at: T0 - 7, messageId: 'm5', campaignId: 'c2' },
      ]);
      expect(await s.contacts.lastActivity(a.id)).toEqual({ sent: T0, bounced: T0 + 1, failed: T0 - 7 });
      expect(await s.contacts.lastCampaignActivity(a.id)).toEqual({ c1: { sent: T0 - 5 }, c2: { failed: T0 - 7 } });
    });

    it('imports a batch: upsert by email, merge, never re-subscribe, external id guard, tags, counters and errors', async () => {
      const old = await s.contacts.createContact(newContact({ email: 'old@example.com', status: 'unsubscribed', firstName: 'Old', attributes: { plan: 'free', keep: true } }));
      await s.contacts.createContact(newContact({ email: 'owner@example.com', externalId: 'taken' }));
      const j = job();
      await s.contacts.createImport(j);
      const r = await s.contacts.applyImportBatch({
        importId: j.id, now: T0 + 100, rowsRead: 6, tags: ['imported'],
        errors: [{ line: 4, field: 'email', message: 'bad' }],
        rows: [
          row(2, 'new@example.com', { firstName: 'New', tags: ['a'], attributes: { plan: 'pro' } }),
          row(3, 'old@example.com', { lastName: 'Updated', status: 'subscribed', attributes: { plan: 'team' } }),
          row(5, 'new@example.com', { company: 'Later', attributes: { seats: 3 } }),
          row(6, 'thief@example.com', { externalId: 'taken' }),
        ],
      });
      expect(r).toEqual({ inserted: 1, updated: 2, failed: 2 });
      const n = await s.contacts.findContactByEmail('new@example.com');
      expect(n).toMatchObject({ firstName: 'New', company: 'Later', status: 'subscribed', tags: ['a', 'imported'], attributes: { plan: 'pro', seats: 3 }, createdAt: T0 + 100 });
      const o = await s.contacts.getContact(old.id);
      expect(o).toMatchObject({ firstName: 'Old', lastName: 'Updated', status: 'unsubscribed', tags: ['imported'], attributes: { plan: 'team', keep: true }, updatedAt: T0 + 100 });
      expect(await s.contacts.findContactByEmail('thief@example.com')).toBeNull();
      expect(await s.contacts.listImportErrors(j.id, 10)).toEqual([
        { line: 4, field: 'email', message: 'bad' },
        { line: 6, field: 'external_id', message: '"taken" already belongs to another contact' },
      ]);
      expect(await s.contacts.getImport(j.id)).toMatchObject({ rowsRead: 6, inserted: 1, updated: 2, failed: 2, state: 'importing' });
      await s.contacts.setImportState(j.id, 'completed', T0 + 200, { totalRows: 6 });
      expect(await s.contacts.getImport(j.id)).toMatchObject({ state: 'completed', totalRows: 6, finishedAt: T0 + 200, updatedAt: T0 + 200, error: null });
      await s.contacts.setImportState(j.id, 'failed', T0 + 300, { error: { code: 'CSV_INVALID', message: 'm', line: 3 } });
      expect((await s.contacts.getImport(j.id))!.error).toEqual({ code: 'CSV_INVALID', message: 'm', line: 3 });
      expect(await s.contacts.getImport('01NOPE00000000000000000000')).toBeNull();
    });

    it('keeps the first 1,000 row errors and counts them all', async () => {
      const j = job();
      await s.contacts.createImport(j);
      const errs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ line: from + i, field: 'email', message: 'bad' }));
      await s.contacts.applyImportBatch({ importId: j.id, now: T0, rowsRead: 700, tags: [], rows: [], errors: errs(2, 700) });
      await s.contacts.applyImportBatch({ importId: j.id, now: T0, rowsRead: 1400, tags: [], rows: [], errors: errs(702, 700) });
      expect((await s.contacts.getImport(j.id))!.failed).toBe(1400);
      const kept = await s.contacts.listImportErrors(j.id, 5000);
      expect(kept.length).toBe(1000);
      expect(kept[999]!.line).toBe(1001);
    });

    it('filters by a compiled rule: tags, attributes, fields and activity windows', async () => {
      const now = T0 + 100 * DAY;
      const a = await s.contacts.createContact(newContact({ email: 'a@example.com', tags: ['vip'], attributes: { plan: 'pro', seats: 10 } }));
      const b = await s.contacts.createContact(newContact({ email: 'b@corp.example', attributes: { plan: 'free', seats: '10' } }));
      const c = await s.contacts.createContact(newContact({ email: 'c@example.com', firstName: null }));
      await s.contacts.recordEngagement(a.id, 'open', now - 40 * DAY, null);
      await s.contacts.recordEngagement(b.id, 'click', now - 2 * DAY, null);
      const ids = async (rule: unknown) => (await s.contacts.pageContacts({ rule: parseRule(rule), now }, null, 100)).map((x) => x.id);
      expect(await ids({ tag: 'vip' })).toEqual([a.id]);
      expect(await ids({ attr: 'seats', op: 'gte', value: 5 })).toEqual([a.id]);
      expect(await ids({ attr: 'seats', op: 'eq', value: '10' })).toEqual([b.id]);
      expect(await ids({ attr: 'plan', op: 'neq', value: 'pro' })).toEqual([b.id]);
      expect(await ids({ not: { attr: 'first_name', op: 'eq', value: 'Ann' } })).toEqual([c.id]);
      expect(await ids({ attr: 'email', op: 'contains', value: '@corp.' })).toEqual([b.id]);
      expect(await ids({ event: 'opened', within_days: 30 })).toEqual([]);
      expect(await ids({ event: 'opened', within_days: 41 })).toEqual([a.id]);
      expect(await ids({ any: [{ event: 'clicked', within_days: 7 }, { engagement_score: { gte: 0.1 } }] })).toEqual([a.id, b.id]);
      expect(await ids({ all: [] })).toEqual([a.id, b.id, c.id]);
      expect(await ids({ any: [] })).toEqual([]);
      expect(await s.contacts.countContacts({ rule: parseRule({ not: { tag: 'vip' } }), now, status: 'subscribed' })).toBe(2);
    });

    it('saves, lists, updates and deletes segments', async () => {
      const rule = { all: [{ tag: 'vip' }, { attr: 'plan', op: 'in', value: ['pro', 'team'] }] };
      const a = await s.segments.createSegment({ id: nextId(), name: 'VIPs', description: null, rule, createdAt: T0, updatedAt: T0 });
      await s.segments.createSegment({ id: nextId(), name: 'Active', description: 'opened lately', rule: { event: 'opened', within_days: 30 }, createdAt: T0, updatedAt: T0 });
      expect(await s.segments.getSegment(a.id)).toEqual(a);
      expect((await s.segments.listSegments()).map((x) => x.name)).toEqual(['Active', 'VIPs']);
      const u = await s.segments.updateSegment(a.id, { name: 'Top', rule: { tag: 'top' } }, T0 + 1);
      expect(u).toEqual({ ...a, name: 'Top', rule: { tag: 'top' }, updatedAt: T0 + 1 });
      expect(await s.segments.updateSegment('01NOPE00000000000000000000', { name: 'x' }, T0)).toBeNull();
      expect(await s.segments.deleteSegment(a.id)).toBe(true);
      expect(await s.segments.deleteSegment(a.id)).toBe(false);
      expect(await s.segments.getSegment(a.id)).toBeNull();
    });
  });
}
