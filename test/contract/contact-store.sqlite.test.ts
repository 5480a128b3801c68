import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../../src/adapters/store/sql-segment-store.js';
import { describeContactStoreContract } from './contact-store-contract.js';

describeContactStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-contacts-'));
  const store = SqliteStore.open(join(dir, 'test.db'));
  await store.migrate();
  return {
    store,
    contacts: new SqlContactStore(store.sqlContext()),
    segments: new SqlSegmentStore(store.sqlContext()),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
