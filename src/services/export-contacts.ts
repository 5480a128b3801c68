import { csvLine, formulaSafe } from '../domain/csv-line.js';
import { engagementScore } from '../domain/engagement.js';
import type { Contact } from '../domain/contact.js';
import type { Clock } from '../ports/clock.js';
import type { ContactStore } from '../ports/contact-store.js';
import type { SegmentStore } from '../ports/segment-store.js';
import { contactFilter, type ContactQuery } from './contact-filter.js';

/** Columns of an export; an import of the file reads them back (computed columns are ignored, `attributes` is JSON). */
export const EXPORT_COLUMNS = ['id', 'email', 'external_id', 'first_name', 'last_name', 'company', 'status', 'tags', 'attributes', 'engagement_score', 'last_engagement', 'created_at', 'updated_at'] as const;

const PAGE = 1000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** How an export writes cells. */
export interface ExportOptions {
  /**
   * Write cells exactly as stored. By default a cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading
   * single quote, so a spreadsheet opening the file shows it as text instead of running it (CSV injection); such a
   * file imported back keeps the quote, so a file meant for re-import is exported raw.
   */
  raw?: boolean;
}

function fields(c: Contact): (string | null)[] {
  return [c.id, c.email, c.externalId, c.firstName, c.lastName, c.company, c.status, c.tags.join(','), JSON.stringify(c.attributes),
    String(engagementScore(c.engagementMilli)), iso(c.lastEngagement), iso(c.createdAt), iso(c.updatedAt)];
}

/** Export contacts as CSV, streamed a page at a time (bounded memory for any number of contacts). */
export class ExportContacts {
  constructor(private readonly contacts: ContactStore, private readonly segments: SegmentStore, private readonly clock: Clock) {}

  /**
   * The CSV text in chunks: the header, then one chunk per page of contacts in id order. The filter is resolved
   * (and a bad segment refused) before the first chunk, so an error is never a half-written file.
   */
  async open(q: ContactQuery, opts: ExportOptions = {}): Promise<AsyncGenerator<string>> {
    const filter = await contactFilter(q, this.segments, this.clock.now());
    const contacts = this.contacts;
    const line = opts.raw ? (c: Contact) => csvLine(fields(c)) : (c: Contact) => csvLine(fields(c).map((f) => (f === null ? null : formulaSafe(f))));
    return (async function* () {
      yield csvLine([...EXPORT_COLUMNS]);
      let after: string | null = null;
      for (;;) {
        const page: Contact[] = await contacts.pageContacts(filter, after, PAGE);
        if (page.length === 0) return;
        yield page.map(line).join('');
        if (page.length < PAGE) return;
        after = page[page.length - 1]!.id;
      }
    })();
  }
}
