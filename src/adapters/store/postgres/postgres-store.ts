import type pg from 'pg';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { migrationsFor } from '../migrations.js';
import { SqlStore } from '../sql-store.js';
import { lazyRequire } from '../../lazy-require.js';

const pgDriver = lazyRequire<typeof pg>('pg');

// BIGINT (int8) columns hold epoch milliseconds, well inside Number's exact range: read them as numbers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pgDriver().types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The shared store for scale-out: many API and worker processes on one PostgreSQL database. */
export class PostgresStore extends SqlStore {
  readonly dialect = 'postgres' as const;
  protected readonly skipLocked = true;

  private constructor(db: Kysely<Database>, readonly pool: pg.Pool) {
    super(db, migrationsFor('postgres'));
  }

  /** Connect a pool of at most `max` connections to `url`. */
  static open(url: string, max = 10): PostgresStore {
    const pool = new (pgDriver().Pool)({ connectionString: url, max, types });
    // An idle client that loses its server must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return new PostgresStore(db, pool);
  }

  protected writeTx<T>(fn: (trx: Kysely<Database> | Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
