import { tempSqliteStore } from '../support/temp-stores.js';
import { SqlCampaignStore } from '../../src/adapters/store/sql-campaign-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { describeCampaignStoreContract } from './campaign-store-contract.js';

describeCampaignStoreContract('sqlite', async () => {
  const { store, cleanup } = await tempSqliteStore('pf-campaign-store-', true);
  return {
    store,
    campaigns: new SqlCampaignStore(store.sqlContext()),
    contacts: new SqlContactStore(store.sqlContext()),
    cleanup,
  };
});
