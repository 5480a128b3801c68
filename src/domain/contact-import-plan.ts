import type { Contact, ContactStatus } from './contact.js';
import { attributesProblem } from './contact-text.js';
import type { ImportRow, RowError } from './csv-mapping.js';

/** What the import needs to know of a contact already stored. */
export type StoredContactHead = Pick<Contact, 'id' | 'email' | 'externalId' | 'firstName' | 'lastName' | 'company' | 'status' | 'attributes'>;

/** A row to import with the id it takes if its email is new. */
export interface IdentifiedRow extends ImportRow {
  newId: string;
}

/** One contact as a batch leaves it: `isNew` when no stored contact had its email. */
export interface PlannedContact extends StoredContactHead {
  isNew: boolean;
}

/** The writes one batch makes, and what it counts. */
export interface ImportPlan {
  /** One entry per distinct email, in order of first appearance. */
  contacts: PlannedContact[];
  /** Tags to add (never removed by an import), by email. */
  tags: { email: string; tag: string }[];
  errors: RowError[];
  inserted: number;
  updated: number;
}

/**
 * Merge a batch of rows into the stored contacts they name (upsert by email), in file order:
 * - a value the file gives replaces the stored one; an empty cell leaves it; attributes merge key by key; tags add;
 * - an import never re-subscribes: `subscribed` in the file does not change an unsubscribed, bounced or complained contact;
 * - an external id that belongs to another contact (stored, or earlier in the batch) refuses the row;
 * - a repeated email within the file updates the contact its first row created (counted as an update).
 * `externalOwners` maps the batch's external ids to the email of the stored contact holding each.
 */
export function planImportBatch(rows: IdentifiedRow[], stored: Map<string, StoredContactHead>, externalOwners: Map<string, string>, extraTags: string[]): ImportPlan {
  const planned = new Map<string, PlannedContact>();
  const owners = new Map(externalOwners);
  const tags = new Map<string, Set<string>>();
  const errors: RowError[] = [];
  let inserted = 0;
  let updated = 0;
  for (const row of rows) {
    if (row.externalId !== undefined) {
      const owner = owners.get(row.externalId);
      if (owner !== undefined && owner !== row.email) {
        errors.push({ line: row.line, field: 'external_id', message: `"${row.externalId}" already belongs to another contact` });
        continue;
      }
    }
    const earlier = planned.get(row.email);
    const cur: StoredContactHead | undefined = earlier ?? stored.get(row.email);
    const base: PlannedContact = earlier ?? (cur
      ? { ...cur, isNew: false }
      : { id: row.newId, email: row.email, externalId: null, firstName: null, lastName: null, company: null, status: 'subscribed', attributes: {}, isNew: true });
    const next: PlannedContact = {
      ...base,
      externalId: row.externalId ?? base.externalId,
      firstName: row.firstName ?? base.firstName,
      lastName: row.lastName ?? base.lastName,
      company: row.company ?? base.company,
      status: row.status === undefined || (cur && row.status === 'subscribed' && base.status !== 'subscribed') ? base.status : row.status,
      attributes: { ...base.attributes, ...row.attributes },
    };
    // A row's own attributes were checked when it was read; only a merge with stored ones can grow past the limit.
    const ap = cur && Object.keys(cur.attributes).length > 0 ? attributesProblem(next.attributes) : null;
    if (ap) {
      errors.push({ line: row.line, field: ap[0], message: `${ap[1]} once merged with the stored attributes` });
      continue;
    }
    if (cur) updated++;
    else inserted++;
    // A contact whose external id changes releases the old one to later rows of the batch.
    if (base.externalId !== null && base.externalId !== next.externalId && owners.get(base.externalId) === row.email) owners.delete(base.externalId);
    if (next.externalId !== null) owners.set(next.externalId, row.email);
    planned.set(row.email, next);
    const set = tags.get(row.email) ?? new Set<string>();
    for (const t of row.tags) set.add(t);
    for (const t of extraTags) set.add(t);
    if (set.size > 0) tags.set(row.email, set);
  }
  return {
    contacts: [...planned.values()],
    tags: [...tags].flatMap(([email, set]) => [...set].map((tag) => ({ email, tag }))),
    errors,
    inserted,
    updated,
  };
}
