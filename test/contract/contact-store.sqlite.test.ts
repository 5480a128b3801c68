import { tempSqliteStore } from '../support/temp-stores.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../../src/adapters/store/sql-segment-store.js';
import { describeContactStoreContract } from './contact-store-contract.js';

describeContactStoreContract('sqlite', async () => {
  const { store, cleanup } = await tempSqliteStore('pf-contacts-', true);
  return {
    store,
    contacts: new SqlContactStore(store.sqlContext()),
    segments: new SqlSegmentStore(store.sqlContext()),
    cleanup,
  };
});
