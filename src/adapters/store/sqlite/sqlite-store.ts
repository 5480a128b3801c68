import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { migrationsFor } from '../migrations.js';
import { SqlStore } from '../sql-store.js';

/** The embedded store: one SQLite file in WAL mode, shared safely by several processes on one machine. */
export class SqliteStore extends SqlStore {
  readonly dialect = 'sqlite' as const;
  protected readonly skipLocked = false;
  // Kysely's SQLite driver runs one statement at a time on one connection; this queue keeps
  // our explicit BEGIN IMMEDIATE … COMMIT blocks from interleaving with each other.
  private txQueue: Promise<unknown> = Promise.resolve();

  private constructor(db: Kysely<Database>, readonly file: string) {
    super(db, migrationsFor('sqlite'));
  }

  /** Open (creating the folder and file when needed) the database at `file`, or ':memory:'. */
  static open(file: string): SqliteStore {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const raw = new BetterSqlite3(file);
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 10000');
    raw.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    return new SqliteStore(db, file);
  }

  protected writeTx<T>(fn: (trx: Kysely<Database> | Transaction<Database>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> =>
      this.db.connection().execute(async (conn) => {
        // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read lock.
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          const out = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return out;
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw err;
        }
      });
    const next = this.txQueue.then(run, run);
    this.txQueue = next.catch(() => undefined);
    return next;
  }
}
