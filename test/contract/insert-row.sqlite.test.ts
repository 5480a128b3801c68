import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { describeInsertRowContract } from './insert-row-contract.js';

describeInsertRowContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pf-rows-'));
  const store = SqliteStore.open(join(dir, 'test.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
