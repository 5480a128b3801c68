// Test support: reach PostgreSQL for a test file, or say in one line why those tests skip.
import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** Base URL of the PostgreSQL server tests create their databases on. */
export const PG_URL = process.env.POSTFLOW_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRE = process.env.POSTFLOW_REQUIRE_SERVICES === '1';

/** True when PostgreSQL answers; when it does not and POSTFLOW_REQUIRE_SERVICES=1, throws instead. */
export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    if (REQUIRE) throw new Error(`PostgreSQL is required (POSTFLOW_REQUIRE_SERVICES=1) but ${PG_URL} is not reachable: ${(err as Error).message}`);
    process.stderr.write(`skipping PostgreSQL tests: ${PG_URL} is not reachable (${(err as Error).message})\n`);
    return false;
  }
}

/** Create a fresh database; returns its URL and a function that drops it. */
export async function createTempDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pf_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
