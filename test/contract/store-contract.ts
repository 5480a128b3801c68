// The store contract: one suite every Store adapter must pass (run for SQLite and PostgreSQL).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { monotonicFactory } from 'ulid';
import type { NewMessage, Store } from '../../src/ports/store.js';
import { AppError } from '../../src/domain/errors.js';

const nextId = monotonicFactory();
const T0 = 1_800_000_000_000;

/** A valid message with overrides. */
export function newMessage(over: Partial<NewMessage> = {}): NewMessage {
  return {
    id: nextId(),
    toAddress: 'ann@example.com', toName: 'Ann', toDomain: 'example.com',
    fromAddress: 'app@postflow.test', fromName: null, replyTo: null,
    templateId: null, templateVersion: null,
    subject: 'Hi {{ name }}', html: '<p>Hi</p>', text: null,
    variables: { name: 'Ann', n: 1, nested: { ok: true } }, headers: { 'X-Campaign': 'c1' }, tags: ['welcome'],
    priority: 2, dueAt: T0, idempotencyKey: null, apiKeyId: null, maxAttempts: 4, createdAt: T0,
    ...over,
  };
}

/** Run the contract against stores made by `make` (a fresh, migrated, empty store each test). */
export function describeStoreContract(name: string, make: () => Promise<{ store: Store; other?: () => Promise<Store>; cleanup: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`Store contract: ${name}`, () => {
    let store: Store;
    let other: (() => Promise<Store>) | undefined;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, other, cleanup } = await make());
      await store.migrate();
    });
    afterEach(async () => {
      await cleanup();
    });

    it('migrates once and reports it', async () => {
      expect(await store.migrate()).toEqual([]);
      expect(await store.migrationsApplied()).toBe(true);
      await store.ping();
    });

    it('stores a message and reads it back whole', async () => {
      const m = newMessage();
      const [r] = await store.insertMessages([m]);
      expect(r).toEqual({ id: m.id, duplicate: false });
      const got = await store.getMessage(m.id);
      expect(got).toMatchObject({ ...m, status: 'queued', attempts: 0, leaseUntil: null, sentAt: null });
      expect(await store.getMessage('01NOPE00000000000000000000')).toBeNull();
    });

    it('keeps the first message for a repeated idempotency key, across calls and within one batch', async () => {
      const a = newMessage({ idempotencyKey: 'k1' });
      await store.insertMessages([a]);
      const b = newMessage({ idempotencyKey: 'k1', toAddress: 'bob@example.com' });
      const c = newMessage({ idempotencyKey: 'k2' });
      const d = newMessage({ idempotencyKey: 'k2' });
      const res = await store.insertMessages([b, c, d]);
      expect(res).toEqual([{ id: a.id, duplicate: true }, { id: c.id, duplicate: false }, { id: c.id, duplicate: true }]);
      expect((await store.listMessages({ limit: 10 })).length).toBe(2);
    });

    it('writes nothing of a batch when one of its messages cannot be stored', async () => {
      // 60 alike (the uniform 25-row statements on SQLite), the 41st refused by the table (NOT NULL): the statements
      // before it went through, and the batch's transaction must take them back.
      const batch = Array.from({ length: 60 }, (_, i) => newMessage({ toAddress: `u${i}@example.com` }));
      (batch[40] as { toDomain: string | null }).toDomain = null;
      await expect(store.insertMessages(batch)).rejects.toThrow(/to_domain/);
      expect(await store.listMessages({ limit: 100 })).toEqual([]);
      const ok = newMessage();
      expect(await store.insertMessages([ok])).toEqual([{ id: ok.id, duplicate: false }]);
    });

    it('claims by priority, then due time, never a message not yet due', async () => {
      const low = newMessage({ priority: 3, dueAt: T0 - 5000 });
      const crit = newMessage({ priority: 0, dueAt: T0 });
      const normalEarly = newMessage({ priority: 2, dueAt: T0 - 1000 });
      const normalLate = newMessage({ priority: 2, dueAt: T0 });
      const future = newMessage({ priority: 0, dueAt: T0 + 60_000 });
      await store.insertMessages([low, crit, normalEarly, normalLate, future]);
      const got = await store.claimMessages('w1', T0, 3, 30_000);
      expect(got.map((m) => m.id)).toEqual([crit.id, normalEarly.id, normalLate.id]);
      expect(got.every((m) => m.status === 'sending' && m.attempts === 1 && m.leaseUntil === T0 + 30_000)).toBe(true);
      const rest = await store.claimMessages('w1', T0, 10, 30_000);
      expect(rest.map((m) => m.id)).toEqual([low.id]);
      expect(await store.nextDueAt()).toBe(T0 + 60_000);
      expect(await store.getEvents(crit.id)).toEqual([]);
    });

    it('never hands one message to two concurrent claimers', async () => {
      const msgs = Array.from({ length: 200 }, () => newMessage());
      await store.insertMessages(msgs);
      const second = other ? await other() : store;
      const claims = await Promise.all([0, 1, 2, 3].map((i) => (i % 2 ? second : store).claimMessages(`w${i}`, T0, 60, 30_000)));
      const ids = claims.flat().map((m) => m.id);
      expect(ids.length).toBe(200);
      expect(new Set(ids).size).toBe(200);
      if (second !== store) await second.close();
    });

    it('records results only for the lease owner, and a deferred message waits for its due time', async () => {
      const [a, b, c] = [newMessage(), newMessage(), newMessage()];
      await store.insertMessages([a, b, c]);
      await store.claimMessages('w1', T0, 10, 30_000);
      const recorded = await store.recordResults('w1', [
        { id: a.id, status: 'sent', at: T0 + 10, transport: 'capture', providerMessageId: 'p1', messageIdHeader: 'mid@x', processingMs: 10 },
        { id: b.id, status: 'deferred', at: T0 + 10, dueAt: T0 + 120_000, code: 451, error: '451 4.7.1 try later' },
      ]);
      expect(recorded.sort()).toEqual([a.id, b.id].sort());
      expect(await store.recordResults('w2', [{ id: c.id, status: 'sent', at: T0 + 20 }])).toEqual([]);
      const sa = await store.getMessage(a.id);
      expect(sa).toMatchObject({ status: 'sent', sentAt: T0 + 10, transport: 'capture', providerMessageId: 'p1', messageIdHeader: 'mid@x', processingMs: 10 });
      const sb = await store.getMessage(b.id);
      expect(sb).toMatchObject({ status: 'deferred', dueAt: T0 + 120_000, lastCode: 451, lastError: '451 4.7.1 try later', leaseUntil: null });
      expect((await store.getEvents(b.id)).map((e) => [e.type, e.detail?.code])).toEqual([['deferred', 451]]);
      expect(await store.claimMessages('w1', T0 + 60_000, 10, 30_000)).toEqual([]);
      const again = await store.claimMessages('w1', T0 + 120_000, 10, 30_000);
      expect(again.map((m) => [m.id, m.attempts])).toEqual([[b.id, 2]]);
      expect((await store.getMessage(c.id))!.status).toBe('sending');
    });

    it('requeues messages whose lease expired, and the old owner can no longer record', async () => {
      const a = newMessage();
      await store.insertMessages([a]);
      await store.claimMessages('dead', T0, 10, 1000);
      expect(await store.releaseExpiredLeases(T0 + 500)).toBe(0);
      expect(await store.releaseExpiredLeases(T0 + 1500)).toBe(1);
      expect((await store.getMessage(a.id))!.status).toBe('deferred');
      const [m] = await store.claimMessages('alive', T0 + 1500, 10, 1000);
      expect(m!.id).toBe(a.id);
      expect(await store.recordResults('dead', [{ id: a.id, status: 'sent', at: T0 + 1600 }])).toEqual([]);
      expect(await store.recordResults('alive', [{ id: a.id, status: 'sent', at: T0 + 1600 }])).toEqual([a.id]);
      expect((await store.getEvents(a.id)).map((e) => [e.type, e.detail?.attempt])).toEqual([['lease_expired', 1], ['sent', undefined]]);
    });

    it('lists expired leases with the worker that held them', async () => {
      const [a, b] = [newMessage(), newMessage()];
      await store.insertMessages([a, b]);
      await store.claimMessages('w1', T0, 1, 1000);
      await store.claimMessages('w2', T0 + 100, 1, 1000);
      expect(await store.expiredLeases(T0 + 900, Number.MAX_SAFE_INTEGER)).toEqual([]);
      expect(await store.expiredLeases(T0 + 1050, Number.MAX_SAFE_INTEGER)).toEqual([{ id: a.id, owner: 'w1', contactId: null, attempts: 1 }]);
      const both = await store.expiredLeases(T0 + 1200, Number.MAX_SAFE_INTEGER);
      expect(both.sort((x, y) => x.owner.localeCompare(y.owner))).toEqual([{ id: a.id, owner: 'w1', contactId: null, attempts: 1 }, { id: b.id, owner: 'w2', contactId: null, attempts: 1 }]);
      expect(await store.expiredLeases(T0 + 1200, 1)).toHaveLength(1);
    });

    it('cancels only messages that wait', async () => {
      const [a, b] = [newMessage(), newMessage({ dueAt: T0 + 1 })];
      await store.insertMessages([a, b]);
      await store.claimMessages('w', T0, 1, 30_000);
      expect((await store.cancelMessage(a.id, T0))!.status).toBe('sending');
      expect((await store.cancelMessage(b.id, T0))!.status).toBe('cancelled');
      expect(await store.claimMessages('w', T0 + 10, 10, 30_000)).toEqual([]);
      expect(await store.cancelMessage('01NOPE00000000000000000000', T0)).toBeNull();
    });

    it('searches the delivery log with filters and a cursor, newest first', async () => {
      const msgs = Array.from({ length: 5 }, (_, i) => newMessage({ toAddress: i < 3 ? 'x@a.com' : 'y@b.com', createdAt: T0 + i, tags: i === 4 ? ['vip'] : [] }));
      await store.insertMessages(msgs);
      const page1 = await store.listMessages({ limit: 2 });
      expect(page1.map((m) => m.id)).toEqual([msgs[4]!.id, msgs[3]!.id]);
      const page2 = await store.listMessages({ limit: 2, before: page1[1]!.id });
      expect(page2.map((m) => m.id)).toEqual([msgs[2]!.id, msgs[1]!.id]);
      expect((await store.listMessages({ limit: 10, recipient: 'x@a.com' })).length).toBe(3);
      expect((await store.listMessages({ limit: 10, since: T0 + 3 })).length).toBe(2);
      expect((await store.listMessages({ limit: 10, status: 'queued', tag: 'vip' })).map((m) => m.id)).toEqual([msgs[4]!.id]);
      expect((await store.listMessages({ limit: 10, status: 'sent' })).length).toBe(0);
      const depth = await store.queueDepth();
      expect(depth).toEqual([{ priority: 2, status: 'queued', count: 5 }]);
    });

    it('finds every message to a recipient, whether or not background indexing has caught up', async () => {
      const first = Array.from({ length: 4 }, (_, i) => newMessage({ toAddress: i % 2 ? 'r@a.com' : 'other@a.com' }));
      await store.insertMessages(first);
      const ids = (ms: { id: string }[]) => ms.map((m) => m.id);
      expect(ids(await store.listMessages({ limit: 10, recipient: 'r@a.com' }))).toEqual([first[3]!.id, first[1]!.id]);
      // SQLite indexes recipients ~0.5 s after an insert (docs/adr/0010-recipient-index.md): search again after that,
      // with newer messages that are not indexed yet, and page through both parts with the cursor.
      await new Promise((r) => setTimeout(r, 800));
      const later = [newMessage({ toAddress: 'r@a.com' }), newMessage({ toAddress: 'R@a.com' })];
      await store.insertMessages(later);
      const all = await store.listMessages({ limit: 10, recipient: 'r@a.com' });
      expect(ids(all)).toEqual([later[0]!.id, first[3]!.id, first[1]!.id]);
      expect(ids(await store.listMessages({ limit: 1, recipient: 'r@a.com', before: later[0]!.id }))).toEqual([first[3]!.id]);
      await store.claimMessages('w', T0, 10, 30_000);
      await store.recordResults('w', [{ id: first[1]!.id, status: 'failed', at: T0 + 5, error: 'x' }]);
      expect(ids(await store.listMessages({ limit: 10, recipient: 'r@a.com', status: 'failed' }))).toEqual([first[1]!.id]);
      expect(ids(await store.listMessages({ limit: 10, status: 'failed' }))).toEqual([first[1]!.id]);
      expect((await store.listMessages({ limit: 10, status: 'sending' })).length).toBe(5);
    });

    it('versions templates; deleted templates keep their versions', async () => {
      const t = await store.createTemplate({ id: 'welcome', name: 'Welcome', category: 'onboarding', active: true, subject: 'Hi', html: '<p>v1</p>', text: null, variables: ['name'], createdAt: T0 });
      expect(t).toMatchObject({ id: 'welcome', version: 1, active: true, html: '<p>v1</p>', variables: ['name'] });
      await expect(store.createTemplate({ id: 'welcome', name: 'x', category: null, active: true, subject: 's', html: 'h', text: null, variables: [], createdAt: T0 })).rejects.toThrowError(AppError);
      const u = await store.updateTemplate('welcome', { html: '<p>v2</p>', active: false }, T0 + 1);
      expect(u).toMatchObject({ version: 2, html: '<p>v2</p>', subject: 'Hi', active: false, category: 'onboarding' });
      expect((await store.getTemplateVersion('welcome', 1))!.html).toBe('<p>v1</p>');
      expect((await store.getTemplate('welcome'))!.version).toBe(2);
      expect((await store.listTemplates()).map((x) => x.id)).toEqual(['welcome']);
      expect(await store.deleteTemplate('welcome', T0 + 2)).toBe(true);
      expect(await store.getTemplate('welcome')).toBeNull();
      expect(await store.updateTemplate('welcome', { html: 'x' }, T0 + 3)).toBeNull();
      expect((await store.getTemplateVersion('welcome', 2))!.html).toBe('<p>v2</p>');
      const again = await store.createTemplate({ id: 'welcome', name: 'Welcome again', category: null, active: true, subject: 'Hey', html: '<p>v3</p>', text: 'v3', variables: [], createdAt: T0 + 4 });
      expect(again.version).toBe(3);
    });

    it('keeps suppressions by lower-cased address, first entry wins, paged newest first', async () => {
      expect(await store.addSuppressions([
        { address: 'Bad@Example.com', reason: 'hard_bounce', detail: '550 5.1.1', messageId: null, createdAt: T0 },
        { address: 'left@example.com', reason: 'unsubscribe', detail: null, messageId: null, createdAt: T0 + 1 },
      ])).toBe(2);
      expect(await store.addSuppressions([{ address: 'bad@example.com', reason: 'manual', detail: null, messageId: null, createdAt: T0 + 2 }])).toBe(0);
      const found = await store.findSuppressions(['BAD@example.com', 'ok@example.com']);
      expect([...found.keys()]).toEqual(['bad@example.com']);
      expect(found.get('bad@example.com')).toMatchObject({ reason: 'hard_bounce', detail: '550 5.1.1' });
      const page = await store.listSuppressions({ limit: 1 });
      expect(page.map((x) => x.address)).toEqual(['left@example.com']);
      expect((await store.listSuppressions({ limit: 5, before: page[0]! })).map((x) => x.address)).toEqual(['bad@example.com']);
      expect((await store.listSuppressions({ limit: 5, reason: 'unsubscribe' })).length).toBe(1);
      expect(await store.removeSuppression('BAD@example.com')).toBe(true);
      expect(await store.removeSuppression('bad@example.com')).toBe(false);
    });

    it('records a bounce and its suppression together; a throttle deferral refunds the attempt', async () => {
      const [a, b] = [newMessage({ toAddress: 'Gone@Example.com' }), newMessage()];
      await store.insertMessages([a, b]);
      await store.claimMessages('w', T0, 10, 30_000);
      await store.recordResults('w', [
        { id: a.id, status: 'bounced', at: T0 + 1, code: 550, error: '550 5.1.1 no such user', suppress: { reason: 'hard_bounce', detail: '550 5.1.1 no such user' } },
        { id: b.id, status: 'deferred', at: T0 + 1, dueAt: T0 + 9000, refund: true, throttleSlot: T0 + 9000 },
      ]);
      expect((await store.getMessage(a.id))!.status).toBe('bounced');
      expect((await store.findSuppressions(['gone@example.com'])).get('gone@example.com')).toMatchObject({ reason: 'hard_bounce', messageId: a.id });
      expect(await store.getMessage(b.id)).toMatchObject({ status: 'deferred', attempts: 0, throttleSlot: T0 + 9000, dueAt: T0 + 9000 });
    });

    it('stores API keys by hash and revokes them', async () => {
      await store.createApiKey({ id: 'k1', name: 'ci', prefix: 'pf_abc', hash: 'h1', scopes: ['send'], createdAt: T0, lastUsedAt: null, revokedAt: null });
      expect(await store.countApiKeys()).toBe(1);
      expect(await store.findApiKeyByHash('h1')).toMatchObject({ id: 'k1', scopes: ['send'] });
      expect(await store.findApiKeyByHash('h2')).toBeNull();
      await store.touchApiKey('k1', T0 + 5);
      expect(await store.revokeApiKey('k1', T0 + 10)).toBe(true);
      expect(await store.revokeApiKey('k1', T0 + 11)).toBe(false);
      expect((await store.listApiKeys())[0]).toMatchObject({ revokedAt: T0 + 10, lastUsedAt: T0 + 5 });
      expect(await store.countApiKeys()).toBe(0);
    });
  });
}
