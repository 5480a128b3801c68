import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { describeInsertRowContract } from './insert-row-contract.js';

const available = await postgresAvailable();

describeInsertRowContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}, !available);
