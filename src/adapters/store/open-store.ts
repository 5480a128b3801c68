import { join } from 'node:path';
import type { SqlStore } from './sql-store.js';
import { SqliteStore, type SqliteOptions } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';

/**
 * Open the store a URL names: `postgres://…`/`postgresql://…` → PostgreSQL; `sqlite:PATH`, a file path,
 * or nothing → SQLite (default `<dataDir>/postflow.db`).
 */
export function openStore(url: string | undefined, dataDir: string, poolSize = 10, sqlite: SqliteOptions = {}): SqlStore {
  if (url && /^postgres(ql)?:\/\//.test(url)) return PostgresStore.open(url, poolSize);
  if (!url) return SqliteStore.open(join(dataDir, 'postflow.db'), sqlite);
  return SqliteStore.open(url.replace(/^sqlite:(\/\/)?/, ''), sqlite);
}
