import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { SqlCampaignStore } from '../../src/adapters/store/sql-campaign-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { describeCampaignStoreContract } from './campaign-store-contract.js';

const available = await postgresAvailable();

describeCampaignStoreContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url, 4);
  await store.migrate();
  return {
    store,
    campaigns: new SqlCampaignStore(store.sqlContext()),
    contacts: new SqlContactStore(store.sqlContext()),
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}, !available);
