import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { SqlCampaignStore } from '../../src/adapters/store/sql-campaign-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { describeCampaignStoreContract } from './campaign-store-contract.js';

describeCampaignStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-campaign-store-'));
  const store = SqliteStore.open(join(dir, 'test.db'));
  await store.migrate();
  return {
    store,
    campaigns: new SqlCampaignStore(store.sqlContext()),
    contacts: new SqlContactStore(store.sqlContext()),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
