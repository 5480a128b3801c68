import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { describeStoreContract } from './store-contract.js';

const available = await postgresAvailable();

describeStoreContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url);
  return {
    store,
    other: async () => PostgresStore.open(db.url),
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}, !available);
