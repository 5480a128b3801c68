import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { SqlSenderStore } from '../../src/adapters/store/sql-sender-store.js';
import { describeSenderStoreContract } from './sender-store-contract.js';

// No second connection: better-sqlite3 waits for a lock synchronously (see store.sqlite.test.ts). Several
// processes on one database are covered by test/integration/senders-multiprocess.test.ts on PostgreSQL.
describeSenderStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-senders-'));
  const store = SqliteStore.open(join(dir, 'test.db'));
  await store.migrate();
  return {
    store,
    senders: new SqlSenderStore(store.sqlContext()),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
