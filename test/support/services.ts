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

/** URL of the Redis server tests use (each test file under its own key prefix, deleted after). */
export const REDIS_URL = process.env.POSTFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when Redis answers; when it does not and POSTFLOW_REQUIRE_SERVICES=1, throws instead. */
export async function redisAvailable(): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const c = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch (err) {
    if (REQUIRE) throw new Error(`Redis is required (POSTFLOW_REQUIRE_SERVICES=1) but ${REDIS_URL} is not reachable: ${(err as Error).message}`);
    process.stderr.write(`skipping Redis tests: ${REDIS_URL} is not reachable (${(err as Error).message})\n`);
    return false;
  } finally {
    c.disconnect();
  }
}

/** A key prefix no other test uses, and a function that deletes every key under it. */
export function redisTestPrefix(): { prefix: string; drop: () => Promise<void> } {
  const prefix = `pf_test_${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    drop: async () => {
      const { Redis } = await import('ioredis');
      const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await c.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          if (keys.length) await c.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        c.disconnect();
      }
    },
  };
}
