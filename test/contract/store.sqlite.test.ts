import { tempSqliteStore } from '../support/temp-stores.js';
import { describeStoreContract } from './store-contract.js';

// No second connection here: better-sqlite3 waits for a lock synchronously, so a second connection in the
// same thread would block on the first. Several processes on one file are covered by test/integration/crash-restart.
describeStoreContract('sqlite', async () => {
  const { store, cleanup } = await tempSqliteStore('pf-store-');
  return {
    store,
    cleanup,
  };
});
