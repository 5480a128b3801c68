import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { SqlSegmentStore } from '../../src/adapters/store/sql-segment-store.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { describeContactStoreContract } from './contact-store-contract.js';

const available = await postgresAvailable();

describeContactStoreContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url, 4);
  await store.migrate();
  return {
    store,
    contacts: new SqlContactStore(store.sqlContext()),
    segments: new SqlSegmentStore(store.sqlContext()),
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}, !available);
