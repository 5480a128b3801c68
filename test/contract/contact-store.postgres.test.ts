import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../../src/adapters/store/sql-segment-store.js';
import { postgresAvailable } from '../support/services.js';
import { tempPostgresStore } from '../support/temp-stores.js';
import { describeContactStoreContract } from './contact-store-contract.js';

const available = await postgresAvailable();

describeContactStoreContract('postgres', async () => {
  const { store, cleanup } = await tempPostgresStore(true, 4);
  return {
    store,
    contacts: new SqlContactStore(store.sqlContext()),
    segments: new SqlSegmentStore(store.sqlContext()),
    cleanup,
  };
}, !available);
