import { tempSqliteStore } from '../support/temp-stores.js';
import { SqlSenderStore } from '../../src/adapters/store/sql-sender-store.js';
import { describeSenderStoreContract } from './sender-store-contract.js';

// No second connection: better-sqlite3 waits for a lock synchronously (see store.sqlite.test.ts). Several
// processes on one database are covered by test/integration/senders-multiprocess.test.ts on PostgreSQL.
describeSenderStoreContract('sqlite', async () => {
  const { store, cleanup } = await tempSqliteStore('pf-senders-', true);
  return {
    store,
    senders: new SqlSenderStore(store.sqlContext()),
    cleanup,
  };
});
