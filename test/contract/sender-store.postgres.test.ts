import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { SqlSenderStore } from '../../src/adapters/store/sql-sender-store.js';
import { postgresAvailable } from '../support/services.js';
import { tempPostgresStore } from '../support/temp-stores.js';
import { describeSenderStoreContract } from './sender-store-contract.js';

const available = await postgresAvailable();

describeSenderStoreContract('postgres', async () => {
  const { store, url, cleanup } = await tempPostgresStore(true);
  return {
    store,
    senders: new SqlSenderStore(store.sqlContext()),
    other: async () => {
      const s = PostgresStore.open(url);
      return { store: s, senders: new SqlSenderStore(s.sqlContext()) };
    },
    cleanup,
  };
}, !available);
