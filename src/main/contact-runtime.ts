import { join } from 'node:path';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { Contacts } from '../services/contacts.js';
import { Segments } from '../services/segments.js';
import { ImportContacts } from '../services/import-contacts.js';
import { ExportContacts } from '../services/export-contacts.js';
import { RecordEngagement } from '../services/record-engagement.js';
import type { SqlContext } from '../adapters/store/sql-context.js';
import { SqlContactStore } from '../adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../adapters/store/sql-segment-store.js';

/** Contacts, segments, CSV import/export and engagement (issue 5, part A), as one process uses them. */
export interface ContactParts {
  store: SqlContactStore;
  segmentStore: SqlSegmentStore;
  contacts: Contacts;
  segments: Segments;
  imports: ImportContacts;
  exports: ExportContacts;
  engagement: RecordEngagement;
  /** Where API uploads are spooled while they import. */
  spoolDir: string;
}

/** Build the contact parts on the main store's SQL context (composition only). */
export function createContactParts(d: { sql: SqlContext; store: Pick<Store, 'addSuppressions'>; clock: Clock; dataDir: string; importBatch?: number }): ContactParts {
  const store = new SqlContactStore(d.sql);
  const segmentStore = new SqlSegmentStore(d.sql);
  return {
    store,
    segmentStore,
    contacts: new Contacts(store, segmentStore, d.clock),
    segments: new Segments(segmentStore, store, d.clock),
    imports: new ImportContacts(store, d.clock, d.importBatch),
    exports: new ExportContacts(store, segmentStore, d.clock),
    engagement: new RecordEngagement(store, d.store, d.clock),
    spoolDir: join(d.dataDir, 'imports'),
  };
}
