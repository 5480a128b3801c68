// Property: a segment rule selects the same contacts as SQL (on SQLite and on PostgreSQL) as the in-memory
// evaluator does on each contact read back from the store — for random contacts and random rules.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import type { SqlStore } from '../../src/adapters/store/sql-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { CONTACT_STATUSES } from '../../src/domain/contact.js';
import { ACTIVITY_TYPES } from '../../src/domain/contact-activity.js';
import { parseRule } from '../../src/domain/segment-parse.js';
import { evaluateRule } from '../../src/domain/segment-evaluate.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const RUNS = Number(process.env.PF_PROPERTY_RUNS ?? 100);

// Keys chosen to stress JSON paths: dots, spaces, brackets, dollar signs, non-ASCII.
const KEYS = ['plan', 'seats', 'vip', 'a.b', 'Signup Date', 'x[0]', '$k', 'ünï'];
const WORDS = ['pro', 'Pro', 'free', '10', '', 'a%b_c', 'é', 'É', 'straße', '😀x', 'ǅ', 'İ'];
const NUMBERS = [0, -0, 1, 10, -3, 0.1, 0.30000000000000004, 1.5, 2 ** 53 + 2, 1e21, 9223372036854776000, -9223372036854776000, 5e-324, 1.7976931348623157e308];
const TAGS = ['vip', 'beta', 'Beta', 'ü'];
const CAMPAIGNS = ['01JCAMPAIGNAAAAAAAAAAAAAAA', '01JCAMPAIGNBBBBBBBBBBBBBBB'];

const text = fc.oneof(fc.constantFrom(...WORDS), fc.fullUnicodeString({ maxLength: 5 }).filter((s) => !s.includes('\u0000')));
const num = fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -20, max: 20 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const scalar = fc.oneof(text, num, fc.boolean());
const attrValue = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('p', 'q'), scalar, { maxKeys: 1 }) });
// Whole days before NOW half the time, so `within_days` and time comparisons meet their boundaries exactly.
const time = fc.oneof(fc.integer({ min: 0, max: 60 }).map((k) => NOW - k * DAY), fc.integer({ min: NOW - 60 * DAY, max: NOW }));
const nameish = fc.option(fc.oneof(fc.constantFrom('Ann', 'ann', 'Anne-Marie', 'Ébé', '😀', 'Zoë'), text.filter((s) => !/[\u0000-\u001f\u007f]/.test(s))), { nil: null });

const contactArb = fc.record({
  firstName: nameish,
  lastName: nameish,
  company: nameish,
  externalId: fc.option(fc.constantFrom('e1', 'e2', 'e3', 'x-9'), { nil: null }),
  status: fc.constantFrom(...CONTACT_STATUSES),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  attributes: fc.dictionary(fc.constantFrom(...KEYS), attrValue, { maxKeys: 4 }),
  engagementMilli: fc.oneof(fc.constantFrom(0, 100, 1500, 1499, 1501), fc.nat({ max: 5000 })),
  lastEngagement: fc.option(time, { nil: null }),
  createdAt: time,
  updatedAt: time,
  // Delivery activity (sent, bounced, failed) comes from campaigns; any kind may name one here.
  activity: fc.array(fc.record({ type: fc.constantFrom(...ACTIVITY_TYPES), at: time, campaignId: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: null }) }), { maxLength: 4 }),
});

const iso = time.map((t) => new Date(t).toISOString());
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ tag: fc.constantFrom(...TAGS) }),
  fc.record({ status: fc.constantFrom(...CONTACT_STATUSES) }),
  fc.record({ event: fc.constantFrom(...ACTIVITY_TYPES), within_days: fc.option(fc.integer({ min: 1, max: 70 }), { nil: undefined }), campaign: fc.option(fc.constantFrom(...CAMPAIGNS), { nil: undefined }) })
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
  fc.record({ engagement_score: fc.dictionary(fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), fc.constantFrom(0, 0.1, 1.5, 1.499, 2, 5), { minKeys: 1, maxKeys: 2 }) }),
  // Text fields.
  fc.record({ attr: fc.constantFrom('first_name', 'last_name', 'company', 'external_id', 'email'), op: fc.constantFrom('eq', 'neq', 'contains', 'starts_with'), value: fc.oneof(fc.constantFrom('Ann', 'ann', 'An', 'e', 'é', '😀', 'Zo', 'e1', '@example'), text.filter((s) => s !== '')) }),
  fc.record({ attr: fc.constantFrom('first_name', 'company', 'external_id', 'last_engagement'), op: fc.constant('exists') }),
  fc.record({ attr: fc.constantFrom('first_name', 'external_id'), op: fc.constant('in'), value: fc.array(fc.constantFrom('Ann', 'ann', 'Zoë', 'e2', 'x-9'), { minLength: 1, maxLength: 3 }) }),
  fc.record({ attr: fc.constant('status'), op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom(...CONTACT_STATUSES) }),
  // Number and time fields.
  fc.record({ attr: fc.constant('engagement_score'), op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: fc.constantFrom(0, 0.1, 1.5, 1.501, 3) }),
  fc.record({ attr: fc.constantFrom('last_engagement', 'created_at', 'updated_at'), op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: iso }),
  // Attributes, every operator, operands of every type.
  fc.record({ attr: fc.constantFrom(...KEYS), op: fc.constantFrom('eq', 'neq'), value: scalar }),
  fc.record({ attr: fc.constantFrom(...KEYS), op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: num }),
  fc.record({ attr: fc.constantFrom(...KEYS), op: fc.constantFrom('contains', 'starts_with'), value: text.filter((s) => s !== '') }),
  fc.record({ attr: fc.constantFrom(...KEYS), op: fc.constant('exists') }),
  fc.record({ attr: fc.constantFrom(...KEYS), op: fc.constant('in'), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
);
const ruleArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  rule: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('all'), tie('any'), tie('not')),
  all: fc.record({ all: fc.array(tie('rule'), { maxLength: 3 }) }),
  any: fc.record({ any: fc.array(tie('rule'), { maxLength: 3 }) }),
  not: fc.record({ not: tie('rule') }),
})).rule;


async function load(store: SqlStore, contacts: SqlContactStore, gen: typeof contactArb extends fc.Arbitrary<infer T> ? T[] : never): Promise<void> {
  const db = store.sqlContext().db;
  await db.deleteFrom('contact_activity').execute();
  await db.deleteFrom('contact_tags').execute();
  await db.deleteFrom('contacts').execute();
  let n = 0;
  const seenExt = new Set<string>();
  for (const g of gen) {
    const id = `01H${String(n).padStart(23, '0')}`;
    // External ids are unique: later duplicates become null.
    const externalId = g.externalId !== null && !seenExt.has(g.externalId) ? g.externalId : null;
    if (externalId) seenExt.add(externalId);
    await db.insertInto('contacts').values({
      id, email: `c${n}@example.com`, external_id: externalId, first_name: g.firstName, last_name: g.lastName, company: g.company,
      attributes: JSON.stringify(g.attributes), status: g.status, engagement_milli: g.engagementMilli, last_engagement: g.lastEngagement,
      created_at: g.createdAt, updated_at: g.updatedAt,
    }).execute();
    if (g.tags.length) await db.insertInto('contact_tags').values(g.tags.map((tag) => ({ tag, contact_id: id }))).execute();
    if (g.activity.length) await contacts.recordActivity(g.activity.map((a) => ({ contactId: id, type: a.type, at: a.at, messageId: null, campaignId: a.campaignId })));
    n++;
  }
}

function describeAgreement(name: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>, skip = false): void {
  describe.skipIf(skip)(`segment rules: SQL on ${name} agrees with the in-memory evaluator`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;
    let contacts: SqlContactStore;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      await store.migrate();
      contacts = new SqlContactStore(store.sqlContext());
    });
    afterAll(async () => {
      await cleanup();
    });

    it(`on random contacts and random rules (${RUNS} runs × 8 rules)`, async () => {
      let matched = 0;
      let compared = 0;
      await fc.assert(fc.asyncProperty(fc.array(contactArb, { minLength: 1, maxLength: 12 }), fc.array(ruleArb, { minLength: 8, maxLength: 8 }), async (gen, rules) => {
        await load(store, contacts, gen);
        const all = await contacts.pageContacts({}, null, 1000);
        const facts = await Promise.all(all.map(async (c) => ({ contact: c, activity: await contacts.lastActivity(c.id), campaignActivity: await contacts.lastCampaignActivity(c.id) })));
        for (const json of rules) {
          const rule = parseRule(json);
          const bySql = (await contacts.pageContacts({ rule, now: NOW }, null, 1000)).map((c) => c.id);
          const inMemory = facts.filter((f) => evaluateRule(rule, f, NOW)).map((f) => f.contact.id);
          expect({ rule: json, ids: bySql }).toEqual({ rule: json, ids: inMemory });
          expect(await contacts.countContacts({ rule, now: NOW })).toBe(inMemory.length);
          compared += all.length;
          matched += inMemory.length;
        }
      }), { numRuns: RUNS, endOnFailure: true });
      // The generators must make rules that match some contacts and not others, or the agreement says little.
      expect(matched).toBeGreaterThan(compared * 0.05);
      expect(matched).toBeLessThan(compared * 0.95);
    }, 600_000);
  });
}

describeAgreement('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-segprop-'));
  const store = SqliteStore.open(join(dir, 'p.db'));
  return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
});

const pg = await postgresAvailable();
describeAgreement('PostgreSQL', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url, 2);
  return { store, cleanup: async () => { await store.close(); await db.drop(); } };
}, !pg);
