// Test support: a store on a fresh temporary database (a temp folder for SQLite, a database of its own on
// PostgreSQL), and the cleanup that closes it and removes what it made. Contract suites build their stores on these.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { createTempDatabase } from './services.js';

/** A SQLite store in a new temp folder (`prefix` names it), migrated when `migrate`. */
export async function tempSqliteStore(prefix: string, migrate = false): Promise<{ store: SqliteStore; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = SqliteStore.open(join(dir, 'test.db'));
  if (migrate) await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL store on a new database (pool of `poolSize`), migrated when `migrate`; `url` opens more connections. */
export async function tempPostgresStore(migrate = false, poolSize?: number): Promise<{ store: PostgresStore; url: string; cleanup: () => Promise<void> }> {
  const db = await createTempDatabase();
  const store = PostgresStore.open(db.url, poolSize);
  if (migrate) await store.migrate();
  return {
    store,
    url: db.url,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
}
