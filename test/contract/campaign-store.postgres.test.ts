import { SqlCampaignStore } from '../../src/adapters/store/sql-campaign-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { postgresAvailable } from '../support/services.js';
import { tempPostgresStore } from '../support/temp-stores.js';
import { describeCampaignStoreContract } from './campaign-store-contract.js';

const available = await postgresAvailable();

describeCampaignStoreContract('postgres', async () => {
  const { store, cleanup } = await tempPostgresStore(true, 4);
  return {
    store,
    campaigns: new SqlCampaignStore(store.sqlContext()),
    contacts: new SqlContactStore(store.sqlContext()),
    cleanup,
  };
}, !available);
