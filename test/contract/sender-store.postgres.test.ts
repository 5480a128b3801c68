import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { SqlSenderStore } from '../../src/adapters/store/sql-sender-store.js';
import { createTempDatabase, postgresAvailable } from '../support/services.js';
import { describeSenderStoreContract } from './sender-store-contract.js';

const available = await postgresAvailable();

describeSenderStoreContract('postgres', async () => {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url);
  await store.migrate();
  return {
    store,
    senders: new SqlSenderStore(store.sqlContext()),
    other: async () => {
      const s = PostgresStore.open(db.url);
      return { store: s, senders: new SqlSenderStore(s.sqlContext()) };
    },
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}, !available);
