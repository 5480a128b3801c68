import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { postgresAvailable } from '../support/services.js';
import { tempPostgresStore } from '../support/temp-stores.js';
import { describeStoreContract } from './store-contract.js';

const available = await postgresAvailable();

describeStoreContract('postgres', async () => {
  const { store, url, cleanup } = await tempPostgresStore();
  return {
    store,
    other: async () => PostgresStore.open(url),
    cleanup,
  };
}, !available);
