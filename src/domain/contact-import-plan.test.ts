import { describe, it, expect } from 'vitest';
import { planImportBatch, type IdentifiedRow, type StoredContactHead } from './contact-import-plan.js';

const row = (line: number, email: string, over: Partial<IdentifiedRow> = {}): IdentifiedRow => ({ line, newId: `new-${line}`, email, tags: [], attributes: {}, ...over });
const stored = (email: string, over: Partial<StoredContactHead> = {}): StoredContactHead => ({
  id: `id-${email}`, email, externalId: null, firstName: null, lastName: null, company: null, status: 'subscribed', attributes: {}, ...over,
});

describe('import batch plan', () => {
  it('lets a contact change its external id and another take the old one in the same batch', () => {
    const plan = planImportBatch(
      [row(2, 'a@x.io', { externalId: 'Y' }), row(3, 'b@x.io', { externalId: 'X' })],
      new Map([['a@x.io', stored('a@x.io', { externalId: 'X' })]]),
      new Map([['X', 'a@x.io']]),
      [],
    );
    expect(plan.errors).toEqual([]);
    expect(plan.contacts.map((c) => [c.email, c.externalId, c.isNew])).toEqual([['a@x.io', 'Y', false], ['b@x.io', 'X', true]]);
  });

  it('refuses a row taking an external id held earlier in the batch, and keeps counting', () => {
    const plan = planImportBatch([row(2, 'a@x.io', { externalId: 'X' }), row(3, 'b@x.io', { externalId: 'X' }), row(4, 'a@x.io')], new Map(), new Map(), ['t']);
    expect(plan.errors).toEqual([{ line: 3, field: 'external_id', message: '"X" already belongs to another contact' }]);
    expect([plan.inserted, plan.updated]).toEqual([1, 1]);
    expect(plan.tags).toEqual([{ email: 'a@x.io', tag: 't' }]);
  });

  it('never re-subscribes, but may unsubscribe', () => {
    const plan = planImportBatch(
      [row(2, 'u@x.io', { status: 'subscribed' }), row(3, 's@x.io', { status: 'complained' })],
      new Map([['u@x.io', stored('u@x.io', { status: 'unsubscribed' })], ['s@x.io', stored('s@x.io')]]),
      new Map(), [],
    );
    expect(plan.contacts.map((c) => c.status)).toEqual(['unsubscribed', 'complained']);
  });
});
