// Test support for campaigns: contacts written in bulk (straight into the tables, in batches of one transaction,
// so 100,000 of them take seconds), and the recipients an SMTP sink saw, counted per address.
import { monotonicFactory } from 'ulid';
import type { ContactStatus } from '../../src/domain/contact.js';
import type { SqlContext } from '../../src/adapters/store/sql-context.js';
import type { ContactsTable } from '../../src/adapters/store/schema.js';

const nextId = monotonicFactory();
const CHUNK = 500;

/** Who the seeded contact number `i` is. */
export interface SeedSpec {
  count: number;
  /** Status of contact i (default subscribed). */
  status?: (i: number) => ContactStatus;
  /** Tags of contact i (default ['newsletter']). */
  tags?: (i: number) => string[];
  /** Email of contact i (default user<i>@example.com). */
  email?: (i: number) => string;
  at?: number;
}

/** Insert `count` contacts in batches; returns their ids in index order (ids sort in that order too). */
export async function seedContacts(ctx: SqlContext, spec: SeedSpec): Promise<string[]> {
  const at = spec.at ?? Date.now();
  const ids: string[] = [];
  for (let from = 0; from < spec.count; from += CHUNK) {
    const rows: ContactsTable[] = [];
    const tags: { tag: string; contact_id: string }[] = [];
    for (let i = from; i < Math.min(spec.count, from + CHUNK); i++) {
      const id = nextId(at);
      ids.push(id);
      rows.push({
        id, email: spec.email?.(i) ?? `user${i}@example.com`, external_id: null, first_name: `User${i}`, last_name: null, company: null,
        attributes: JSON.stringify({ n: i }), status: spec.status?.(i) ?? 'subscribed', engagement_milli: 0, last_engagement: null, created_at: at, updated_at: at,
      });
      for (const tag of spec.tags?.(i) ?? ['newsletter']) tags.push({ tag, contact_id: id });
    }
    await ctx.writeTx(async (trx) => {
      await trx.insertInto('contacts').values(rows).execute();
      if (tags.length) await trx.insertInto('contact_tags').values(tags).execute();
    });
  }
  return ids;
}

/** How often each recipient appears in what a sink received. */
export function countByRecipient(received: Iterable<{ rcptTo: string[] }>): Map<string, number> {
  const seen = new Map<string, number>();
  for (const m of received) for (const r of m.rcptTo) seen.set(r.toLowerCase(), (seen.get(r.toLowerCase()) ?? 0) + 1);
  return seen;
}

/** The List-Unsubscribe URL in a message's raw bytes, or null. */
export function unsubscribeUrl(raw: Buffer | string): string | null {
  const m = /^List-Unsubscribe: <([^>]+)>/im.exec(raw.toString());
  return m ? m[1]! : null;
}
