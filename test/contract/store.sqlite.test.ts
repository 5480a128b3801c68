import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

// No second connection here: better-sqlite3 waits for a lock synchronously, so a second connection in the
// same thread would block on the first. Several processes on one file are covered by test/integration/crash-restart.
describeStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-store-'));
  const store = SqliteStore.open(join(dir, 'test.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
