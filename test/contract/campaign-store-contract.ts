// The campaign store contract: one suite every CampaignStore adapter must pass (run for SQLite and PostgreSQL).
// It drives the store as the runner and the delivery worker do, on the same database as the main Store.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { monotonicFactory } from 'ulid';
import { noSkips, type Campaign } from '../../src/domain/campaign.js';
import type { ContactStatus } from '../../src/domain/contact.js';
import type { CampaignStore, MaterialiseBatch } from '../../src/ports/campaign-store.js';
import type { ContactStore } from '../../src/ports/contact-store.js';
import type { Store } from '../../src/ports/store.js';
import { CampaignMessageBuilder } from '../../src/services/campaign-messages.js';
import { UnsubscribeTokens } from '../../src/services/unsubscribe-tokens.js';
import { parseRule } from '../../src/domain/segment-parse.js';

const T0 = 1_800_000_000_000;
const nextId = monotonicFactory();

/** What one contract run works on: a migrated main store and the campaign and contact stores on its database. */
export interface CampaignStoreFixture {
  store: Store;
  campaigns: CampaignStore;
  contacts: ContactStore;
  cleanup: () => Promise<void>;
}

/** A draft campaign with overrides. */
export function draftCampaign(over: Partial<Campaign> = {}): Campaign {
  return {
    id: nextId(), name: 'Spring sale', templateId: 'spring', audience: { tags: ['vip'] }, senderPool: null, from: null,
    ratePerHour: 500, concurrency: 5, scheduledAt: null, window: null, bouncePauseRate: 0.05, bouncePauseMin: 100,
    status: 'draft', statusReason: null, templateVersion: null, audienceRule: null,
    progress: { checkpoint: null, audienceDone: false, targeted: 0, materialised: 0, skipped: noSkips(), unsubscribed: 0 },
    createdAt: T0, updatedAt: T0, startedAt: null, finishedAt: null,
    ...over,
  };
}

/** Run the contract against fixtures made by `make` (fresh and migrated each test). */
export function describeCampaignStoreContract(name: string, make: () => Promise<CampaignStoreFixture>, skip = false): void {
  describe.skipIf(skip)(`CampaignStore contract: ${name}`, () => {
    let f: CampaignStoreFixture;
    const builder = new CampaignMessageBuilder(new UnsubscribeTokens('contract-secret-0123456789-0123456789'), {
      publicUrl: 'https://pf.example', mailto: null, defaultFrom: { address: 'news@postflow.test', domain: 'postflow.test' }, maxAttempts: 4,
    });
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    async function contacts(n: number, status: (i: number) => ContactStatus = () => 'subscribed'): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const c = await f.contacts.createContact({
          id: nextId(), email: `person${i}@example.com`, externalId: null, firstName: `P${i}`, lastName: null, company: null,
          tags: ['vip'], attributes: { i }, status: status(i), createdAt: T0,
        });
        ids.push(c.id);
      }
      return ids;
    }

    /** Start a campaign as the service does, and lease it to `owner`. */
    async function running(over: Partial<Campaign> = {}, owner = 'runner-a'): Promise<Campaign> {
      const c = await f.campaigns.createCampaign(draftCampaign(over));
      await f.campaigns.transition(c.id, 'draft', 'running', T0, { startedAt: T0, templateVersion: 1, targeted: 0 });
      const leased = await f.campaigns.leaseCampaigns(owner, T0, 60_000, 10);
      return leased.find((x) => x.id === c.id)!;
    }

    /** The next page of the audience as the runner builds it. */
    async function batch(c: Campaign, owner: string, limit: number, now = T0): Promise<MaterialiseBatch> {
      const cur = (await f.campaigns.getCampaign(c.id))!;
      const page = await f.contacts.pageContacts({ anyTags: ['vip'] }, cur.progress.checkpoint, limit);
      return {
        campaignId: c.id, owner, afterId: cur.progress.checkpoint, lastId: page.length ? page[page.length - 1]!.id : cur.progress.checkpoint,
        exhausted: page.length < limit, now,
        candidates: page.map((ct) => ({ contactId: ct.id, email: ct.email, message: builder.build(cur, ct, now) })),
      };
    }

    it('creates, reads, lists, edits a draft and deletes only a draft', async () => {
      const a = await f.campaigns.createCampaign(draftCampaign({ window: { days: [1, 2], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' }, bouncePauseRate: 0.075 }));
      const b = await f.campaigns.createCampaign(draftCampaign({ name: 'Other', audience: { rule: { tag: 'x' } } }));
      expect(await f.campaigns.getCampaign(a.id)).toEqual(a);
      expect((await f.campaigns.getCampaign(a.id))!.bouncePauseRate).toBe(0.075);
      expect((await f.campaigns.listCampaigns({ limit: 10 })).map((c) => c.id)).toEqual([b.id, a.id]);
      expect((await f.campaigns.listCampaigns({ limit: 10, before: b.id })).map((c) => c.id)).toEqual([a.id]);
      const edited = await f.campaigns.updateCampaign(a.id, { ...a, name: 'Renamed', ratePerHour: 1000 }, 'draft', T0 + 1);
      expect(edited).toMatchObject({ name: 'Renamed', ratePerHour: 1000, updatedAt: T0 + 1 });
      expect(await f.campaigns.updatePacing(a.id, { concurrency: 9, window: null }, T0 + 2)).toMatchObject({ concurrency: 9, window: null, name: 'Renamed' });
      await f.campaigns.transition(b.id, 'draft', 'running', T0);
      expect(await f.campaigns.updateCampaign(b.id, { ...b, name: 'x' }, 'draft', T0)).toBeNull();
      expect(await f.campaigns.deleteCampaign(b.id, 'draft')).toBe(false);
      expect(await f.campaigns.deleteCampaign(a.id, 'draft')).toBe(true);
      expect(await f.campaigns.getCampaign(a.id)).toBeNull();
      await f.campaigns.transition(b.id, 'running', 'cancelled', T0);
      expect(await f.campaigns.updatePacing(b.id, { concurrency: 2 }, T0)).toBeNull();
    });

    it('moves status only from the status it expects', async () => {
      const c = await f.campaigns.createCampaign(draftCampaign());
      expect(await f.campaigns.transition(c.id, 'running', 'paused', T0)).toBeNull();
      const r = await f.campaigns.transition(c.id, 'draft', 'running', T0 + 5, { startedAt: T0 + 5, templateVersion: 3, audienceRule: { tag: 'vip' }, targeted: 42 });
      expect(r).toMatchObject({ status: 'running', startedAt: T0 + 5, templateVersion: 3, audienceRule: { tag: 'vip' }, progress: { targeted: 42 } });
      expect(await f.campaigns.transition(c.id, 'draft', 'running', T0)).toBeNull();
      expect(await f.campaigns.transition(c.id, 'running', 'paused', T0, { reason: 'why' })).toMatchObject({ status: 'paused', statusReason: 'why' });
      expect(await f.campaigns.transition(c.id, 'paused', 'running', T0)).toMatchObject({ status: 'running', statusReason: null });
      expect(await f.campaigns.transition('01NOPE0000000000000000000X', 'draft', 'running', T0)).toBeNull();
    });

    it('leases runnable campaigns to one runner at a time, due scheduled ones included', async () => {
      const a = await f.campaigns.createCampaign(draftCampaign());
      const s = await f.campaigns.createCampaign(draftCampaign({ scheduledAt: T0 + 10_000 }));
      await f.campaigns.createCampaign(draftCampaign());
      await f.campaigns.transition(a.id, 'draft', 'running', T0);
      await f.campaigns.transition(s.id, 'draft', 'scheduled', T0);
      expect((await f.campaigns.leaseCampaigns('r1', T0, 1_000, 10)).map((c) => c.id)).toEqual([a.id]);
      expect(await f.campaigns.leaseCampaigns('r2', T0 + 500, 1_000, 10)).toEqual([]);
      expect((await f.campaigns.leaseCampaigns('r1', T0 + 500, 1_000, 10)).map((c) => c.id)).toEqual([a.id]);
      // r1's lease lapses at T0 + 1500; the scheduled one is due at T0 + 10 s.
      expect((await f.campaigns.leaseCampaigns('r2', T0 + 10_000, 1_000, 10)).map((c) => c.id)).toEqual([a.id, s.id]);
      await f.campaigns.releaseLease(a.id, 'r2');
      expect((await f.campaigns.leaseCampaigns('r3', T0 + 10_100, 1_000, 10)).map((c) => c.id)).toEqual([a.id]);
    });

    it('materialises a batch once: held messages, recipients, skips by fresh status and suppression, checkpoint', async () => {
      const ids = await contacts(6, (i) => (i === 1 ? 'unsubscribed' : i === 2 ? 'bounced' : 'subscribed'));
      await f.store.addSuppressions([{ address: 'PERSON3@example.com', reason: 'manual', detail: null, messageId: null, createdAt: T0 }]);
      const c = await running();
      const b = await batch(c, 'runner-a', 5);
      // Between the page read and the batch, person4 unsubscribes: the batch must see it.
      await f.contacts.updateContact(ids[4]!, { status: 'unsubscribed' }, T0);
      const out = await f.campaigns.materialise(b);
      expect(out).toEqual({ applied: true, created: 1, skipped: { unsubscribed: 2, bounced: 1, suppressed: 1 } });
      // The same batch again (a replay after a crash, or a second runner) changes nothing: the checkpoint moved.
      expect(await f.campaigns.materialise(b)).toEqual({ applied: false, created: 0, skipped: {} });
      const after = (await f.campaigns.getCampaign(c.id))!;
      expect(after.progress).toMatchObject({ checkpoint: ids[4], audienceDone: false, materialised: 1, skipped: { ...noSkips(), unsubscribed: 2, bounced: 1, suppressed: 1 } });
      const counts = await f.campaigns.counts(c.id, T0);
      expect(counts).toMatchObject({ held: 1, waiting: 0, sending: 0, sent: 0 });
      // Held: a worker claims nothing.
      expect(await f.store.claimMessages('w', T0 + 1, 10, 1000)).toEqual([]);

      const last = await batch(c, 'runner-a', 5);
      expect(last.exhausted).toBe(true);
      expect(await f.campaigns.materialise(last)).toEqual({ applied: true, created: 1, skipped: {} });
      const done = (await f.campaigns.getCampaign(c.id))!;
      expect(done.progress).toMatchObject({ audienceDone: true, materialised: 2, targeted: 6 });
      const msgs = await f.store.listMessages({ limit: 10, tag: `campaign:${c.id}` });
      expect(msgs.map((m) => m.toAddress).sort()).toEqual(['person0@example.com', 'person5@example.com']);
      expect(msgs[0]!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(msgs.every((m) => m.status === 'queued' && m.idempotencyKey!.startsWith(`campaign:${c.id}:`))).toBe(true);
    });

    it('applies a batch only for the lease holder, while running, at the expected checkpoint', async () => {
      await contacts(3);
      const c = await running();
      const b = await batch(c, 'runner-a', 10);
      expect((await f.campaigns.materialise({ ...b, owner: 'intruder' })).applied).toBe(false);
      expect((await f.campaigns.materialise({ ...b, afterId: 'zzz' })).applied).toBe(false);
      await f.campaigns.transition(c.id, 'running', 'paused', T0);
      expect((await f.campaigns.materialise(b)).applied).toBe(false);
      await f.campaigns.transition(c.id, 'paused', 'running', T0);
      expect((await f.campaigns.materialise(b)).applied).toBe(true);
      expect((await f.campaigns.counts(c.id, T0)).held).toBe(3);
    });

    it('never makes a second message for a contact, even if its recipient row were lost', async () => {
      const [id] = await contacts(1);
      const c = await running();
      const b = await batch(c, 'runner-a', 10);
      // A message for this contact already exists under the campaign key (e.g. recipients removed by hand).
      await f.store.insertMessages([{ ...b.candidates[0]!.message, id: nextId() }]);
      const out = await f.campaigns.materialise(b);
      expect(out).toMatchObject({ applied: true, created: 0 });
      const all = await f.store.listMessages({ limit: 10, recipient: 'person0@example.com' });
      expect(all).toHaveLength(1);
      expect(all[0]!.idempotencyKey).toBe(`campaign:${c.id}:${id}`);
    });

    it('releases held messages in order, only while running and leased, and a pause takes queued ones back', async () => {
      await contacts(8);
      const c = await running();
      await f.campaigns.materialise(await batch(c, 'runner-a', 10));
      expect(await f.campaigns.releaseMessages(c.id, 'someone-else', 3, T0, T0 + 1)).toBe(0);
      expect(await f.campaigns.releaseMessages(c.id, 'runner-a', 3, T0 + 100, T0 + 7_200)).toBe(3);
      expect((await f.campaigns.runnerState(c.id)).tat).toBe(T0 + 7_200);
      expect(await f.campaigns.counts(c.id, T0 + 100)).toMatchObject({ held: 5, waiting: 3, dueWaiting: 3 });
      const claimed = await f.store.claimMessages('w', T0 + 200, 2, 1_000);
      // The first three by id were released; a worker takes two of them.
      expect(claimed.every((m) => ['person0@example.com', 'person1@example.com', 'person2@example.com'].includes(m.toAddress))).toBe(true);
      expect(claimed.every((m) => m.dueAt === T0 + 100)).toBe(true);
      expect(await f.campaigns.counts(c.id, T0 + 200)).toMatchObject({ held: 5, waiting: 1, sending: 2 });

      // Pause: the one still waiting is held again; the two being sent finish.
      await f.campaigns.transition(c.id, 'running', 'paused', T0 + 300);
      expect(await f.campaigns.counts(c.id, T0 + 300)).toMatchObject({ held: 6, waiting: 0, sending: 2 });
      expect(await f.campaigns.releaseMessages(c.id, 'runner-a', 3, T0 + 300, T0)).toBe(0);
      // A worker dies: its lease expires while the campaign is paused; the runner's sweep holds them.
      expect(await f.store.releaseExpiredLeases(T0 + 5_000)).toBe(2);
      expect(await f.campaigns.holdPaused(T0 + 5_000)).toBe(2);
      expect(await f.campaigns.holdPaused(T0 + 5_000)).toBe(0);
      expect(await f.store.claimMessages('w2', T0 + 5_000, 10, 1_000)).toEqual([]);
      expect(await f.campaigns.counts(c.id, T0 + 5_000)).toMatchObject({ held: 8, waiting: 0, sending: 0 });
      // Resume: releasing again hands out the same messages, not new ones.
      await f.campaigns.transition(c.id, 'paused', 'running', T0 + 6_000);
      expect(await f.campaigns.releaseMessages(c.id, 'runner-a', 8, T0 + 6_000, T0)).toBe(8);
      expect(await f.store.claimMessages('w3', T0 + 6_000, 20, 1_000)).toHaveLength(8);
      expect((await f.campaigns.getCampaign(c.id))!.progress.materialised).toBe(8);
    });

    it('counts outcomes, completes only when every message is final, and measures send time', async () => {
      await contacts(4);
      const c = await running();
      await f.campaigns.materialise(await batch(c, 'runner-a', 10));
      expect(await f.campaigns.transition(c.id, 'running', 'completed', T0)).toBeNull();
      await f.campaigns.releaseMessages(c.id, 'runner-a', 4, T0, T0);
      const claimed = await f.store.claimMessages('w', T0, 10, 60_000);
      await f.store.recordResults('w', [
        { id: claimed[0]!.id, status: 'sent', at: T0 + 2_000 },
        { id: claimed[1]!.id, status: 'sent', at: T0 + 4_000 },
        { id: claimed[2]!.id, status: 'bounced', at: T0 + 1_000, code: 550 },
      ]);
      expect(await f.campaigns.counts(c.id, T0 + 5_000)).toMatchObject({ held: 0, waiting: 0, sending: 1, sent: 2, bounced: 1 });
      expect(await f.campaigns.transition(c.id, 'running', 'completed', T0 + 5_000)).toBeNull();
      await f.store.recordResults('w', [{ id: claimed[3]!.id, status: 'deferred', at: T0 + 5_000, dueAt: T0 + 60_000 }]);
      expect(await f.campaigns.counts(c.id, T0 + 5_000)).toMatchObject({ waiting: 1, dueWaiting: 0 });
      expect(await f.campaigns.transition(c.id, 'running', 'completed', T0 + 5_000)).toBeNull();
      const again = await f.store.claimMessages('w', T0 + 60_000, 10, 60_000);
      await f.store.recordResults('w', [{ id: again[0]!.id, status: 'failed', at: T0 + 61_000 }]);
      expect(await f.campaigns.counts(c.id, T0 + 61_000)).toMatchObject({ sent: 2, bounced: 1, failed: 1, waiting: 0, sending: 0, held: 0 });
      expect(await f.campaigns.measures(c.id)).toEqual({ opened: 0, clicked: 0, avgSendMs: 3_000 });
      expect(await f.campaigns.transition(c.id, 'running', 'completed', T0 + 61_000)).toMatchObject({ status: 'completed', finishedAt: T0 + 61_000 });
    });

    it('writes sent, bounced and failed contact activity with the record, for messages with a contact only', async () => {
      const DAY = 86_400_000;
      const ids = await contacts(5);
      const c = await running();
      const other = await running({ name: 'Other' });
      await f.campaigns.materialise(await batch(c, 'runner-a', 10));
      await f.campaigns.releaseMessages(c.id, 'runner-a', 5, T0, T0);
      // A transactional message to the first contact's address: no contact on it, so no activity from it.
      const [tx] = await f.store.insertMessages([{ ...builder.build(c, (await f.contacts.getContact(ids[0]!))!, T0), id: nextId(), idempotencyKey: null, tags: [] }]);
      const claimed = await f.store.claimMessages('w', T0, 10, 60_000);
      expect(claimed).toHaveLength(6);
      const byContact = new Map(claimed.filter((m) => m.contactId).map((m) => [m.contactId!, m]));
      expect([...byContact.keys()].sort()).toEqual([...ids].sort());
      expect(claimed.find((m) => m.id === tx!.id)!.contactId).toBeNull();
      const res = (contactId: string, status: 'sent' | 'bounced' | 'failed' | 'deferred', at: number) => ({ id: byContact.get(contactId)!.id, status, at, contactId, ...(status === 'deferred' ? { dueAt: at + DAY } : {}) });
      // One contact is deleted before its message is recorded: the record still succeeds, without its activity.
      await f.contacts.deleteContact(ids[4]!);
      const recorded = await f.store.recordResults('w', [
        res(ids[0]!, 'sent', T0 + 10), res(ids[1]!, 'bounced', T0 + 20), res(ids[2]!, 'failed', T0 + 30), res(ids[3]!, 'deferred', T0 + 40),
        res(ids[4]!, 'sent', T0 + 50), { id: tx!.id, status: 'sent', at: T0 + 60 },
      ]);
      expect(recorded).toHaveLength(6);
      // Results recorded by a worker that no longer holds the lease write nothing either.
      expect(await f.store.recordResults('w-other', [res(ids[3]!, 'sent', T0 + 70)])).toEqual([]);
      expect(await f.contacts.lastActivity(ids[0]!)).toEqual({ sent: T0 + 10 });
      expect(await f.contacts.lastActivity(ids[1]!)).toEqual({ bounced: T0 + 20 });
      expect(await f.contacts.lastActivity(ids[2]!)).toEqual({ failed: T0 + 30 });
      expect(await f.contacts.lastActivity(ids[3]!)).toEqual({});
      expect(await f.contacts.lastCampaignActivity(ids[0]!)).toEqual({ [c.id]: { sent: T0 + 10 } });
      expect((await f.contacts.listActivity(ids[0]!, 5)).map((a) => [a.type, a.messageId, a.campaignId])).toEqual([['sent', byContact.get(ids[0]!)!.id, c.id]]);
      // The deferred one is sent on its next attempt.
      const [again] = await f.store.claimMessages('w', T0 + DAY + 40, 10, 60_000);
      expect(again!.contactId).toBe(ids[3]);
      await f.store.recordResults('w', [{ id: again!.id, status: 'sent', at: T0 + DAY + 41, contactId: again!.contactId }]);

      const count = (rule: unknown, now: number) => f.contacts.countContacts({ rule: parseRule(rule), now });
      expect(await count({ event: 'sent', within_days: 1 }, T0 + DAY + 5)).toBe(2);
      expect(await count({ event: 'sent', within_days: 1 }, T0 + DAY + 20)).toBe(1);
      expect(await count({ event: 'sent' }, T0 + DAY + 100)).toBe(2);
      expect(await count({ event: 'sent', campaign: c.id }, T0 + DAY + 100)).toBe(2);
      expect(await count({ event: 'sent', campaign: other.id }, T0 + DAY + 100)).toBe(0);
      expect(await count({ any: [{ event: 'bounced', campaign: c.id }, { event: 'failed', within_days: 7 }] }, T0 + DAY)).toBe(2);
      expect(await count({ not: { event: 'sent', campaign: c.id } }, T0 + DAY + 100)).toBe(2);
    });

    it('cancels every message not yet being sent, with an event each', async () => {
      await contacts(5);
      const c = await running();
      await f.campaigns.materialise(await batch(c, 'runner-a', 10));
      await f.campaigns.releaseMessages(c.id, 'runner-a', 3, T0, T0);
      const [sending] = await f.store.claimMessages('w', T0, 1, 60_000);
      await f.campaigns.transition(c.id, 'running', 'cancelled', T0 + 10);
      expect(await f.campaigns.counts(c.id, T0 + 10)).toMatchObject({ cancelled: 4, sending: 1, held: 0, waiting: 0 });
      const msgs = await f.store.listMessages({ limit: 10, tag: `campaign:${c.id}`, status: 'cancelled' });
      expect(msgs).toHaveLength(4);
      expect((await f.store.getEvents(msgs[0]!.id)).map((e) => e.type)).toEqual(['cancelled']);
      expect(await f.store.recordResults('w', [{ id: sending!.id, status: 'sent', at: T0 + 20 }])).toEqual([sending!.id]);
    });

    it('records a one-click unsubscribe once: suppression, status, engagement, activity, event, campaign count', async () => {
      const [id, other] = await contacts(2);
      await f.contacts.recordEngagement(id!, 'click', T0 - 10, null);
      const c = await running();
      await f.campaigns.materialise(await batch(c, 'runner-a', 10));
      const out = await f.campaigns.recordUnsubscribe({ campaignId: c.id, contactId: id!, at: T0 + 100 });
      expect(out).toEqual({ address: 'person0@example.com', changed: true });
      const contact = (await f.contacts.getContact(id!))!;
      // 0.3 (click) − 2.0 floored at 0; last_engagement untouched by an unsubscribe.
      expect(contact).toMatchObject({ status: 'unsubscribed', engagementMilli: 0, lastEngagement: T0 - 10 });
      expect((await f.contacts.listActivity(id!, 5)).map((a) => a.type)).toEqual(['unsubscribed', 'clicked']);
      expect((await f.store.findSuppressions(['person0@example.com'])).get('person0@example.com')).toMatchObject({ reason: 'unsubscribe' });
      const [msg] = await f.store.listMessages({ limit: 1, recipient: 'person0@example.com' });
      expect((await f.store.getEvents(msg!.id)).map((e) => e.type)).toEqual(['unsubscribed']);
      expect((await f.campaigns.getCampaign(c.id))!.progress.unsubscribed).toBe(1);
      // A second click changes nothing.
      expect(await f.campaigns.recordUnsubscribe({ campaignId: c.id, contactId: id!, at: T0 + 200 })).toEqual({ address: 'person0@example.com', changed: false });
      expect((await f.campaigns.getCampaign(c.id))!.progress.unsubscribed).toBe(1);
      expect(await f.contacts.listActivity(id!, 5)).toHaveLength(2);
      // A contact deleted after the send is still suppressed, through its message's address.
      await f.contacts.deleteContact(other!);
      expect(await f.campaigns.recordUnsubscribe({ campaignId: c.id, contactId: other!, at: T0 + 300 })).toEqual({ address: 'person1@example.com', changed: false });
      expect((await f.store.findSuppressions(['person1@example.com'])).size).toBe(1);
      expect(await f.campaigns.recordUnsubscribe({ campaignId: c.id, contactId: 'nobody', at: T0 })).toEqual({ address: null, changed: false });
    });

    it('keeps the runner state', async () => {
      const c = await f.campaigns.createCampaign(draftCampaign());
      expect(await f.campaigns.runnerState(c.id)).toEqual({ tat: null, samples: [] });
      await f.campaigns.saveSamples(c.id, [{ at: T0, sent: 3 }]);
      expect((await f.campaigns.runnerState(c.id)).samples).toEqual([{ at: T0, sent: 3 }]);
    });
  });
}
