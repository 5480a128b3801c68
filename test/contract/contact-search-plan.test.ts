// Adapter-specific on purpose (query plans are not part of the port's contract): the contact search that the
// dashboard pages through is an index range scan in email order on SQLite and on PostgreSQL, so a page costs the
// same with 100 contacts or 1,000,000; and on a PostgreSQL database whose collation is not byte order (ICU "en-u-ka-shifted", ordering like glibc's en_US)
// the search still finds exactly the emails that start with the prefix, in byte order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CompiledQuery, sql, type SqlBool } from 'kysely';
import { describe, it, expect } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/adapters/store/postgres/postgres-store.js';
import { SqlContactStore } from '../../src/adapters/store/sql-contact-store.js';
import { emailSearchQuery } from '../../src/adapters/store/contact-search-sql.js';
import type { SqlContext } from '../../src/adapters/store/sql-context.js';
import { seedContacts } from '../support/campaign-seed.js';
import { PG_URL, postgresAvailable } from '../support/services.js';

const CONTACTS = 5000;
const ALL = sql<SqlBool>`(1 = 1)`;
const SUBSCRIBED = sql<SqlBool>`contacts.status = ${'subscribed'}`;

/** The plan of the search query the store runs, as text. */
async function plan(ctx: SqlContext, filter = ALL, afterEmail: string | null = null, prefix = 'user12'): Promise<string> {
  const c = emailSearchQuery(ctx.dialect, { prefix, afterEmail, filter, limit: 50 }).compile(ctx.db);
  const explain = ctx.dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
  const res = await ctx.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(explain + c.sql, [...c.parameters]));
  return res.rows.map((r) => String(r.detail ?? r['QUERY PLAN'])).join('\n');
}

describe('contact search plan: SQLite', () => {
  it('reads the email index in order (no table scan, no sort), with or without a status filter and a cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-search-plan-'));
    const store = SqliteStore.open(join(dir, 'test.db'));
    try {
      await store.migrate();
      const ctx = store.sqlContext();
      await seedContacts(ctx, { count: CONTACTS });
      for (const p of [await plan(ctx), await plan(ctx, SUBSCRIBED), await plan(ctx, ALL, 'user123@example.com')]) {
        expect(p).toMatch(/SEARCH contacts USING INDEX ux_contacts_email \(email>\? AND email<\?\)/);
        expect(p).not.toMatch(/SCAN contacts|TEMP B-TREE/);
      }
      const found = await new SqlContactStore(ctx).searchContacts('user12', {}, null, 50);
      expect(found.map((c) => c.email)).toEqual([...found.map((c) => c.email)].sort());
      expect(found.every((c) => c.email.startsWith('user12'))).toBe(true);
      expect(found).toHaveLength(50);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('contact search plan: PostgreSQL with an ICU collation that ignores punctuation', () => {
  it('uses the byte-order index and finds exactly the prefix matches where the collation would not', async () => {
    const name = `pf_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-u-ka-shifted' LOCALE 'C.UTF-8'`);
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    const store = PostgresStore.open(u.toString(), 2);
    try {
      await store.migrate();
      const ctx = store.sqlContext();
      await seedContacts(ctx, { count: CONTACTS });
      // Under "en", punctuation is ignored at the first level: 'a.b…' sorts between 'ab' and 'ac', and 'a-z…' after 'a.b…'.
      const extra = ['a-z@example.com', 'a.b@example.com', 'ab@example.com', 'a.c@example.com', 'a_d@example.com'];
      await seedContacts(ctx, { count: extra.length, email: (i) => extra[i]! });
      await ctx.db.executeQuery(CompiledQuery.raw('ANALYZE contacts'));
      const collated = await ctx.db.executeQuery<{ email: string }>(CompiledQuery.raw("SELECT email FROM contacts WHERE email LIKE 'a%' ORDER BY email"));
      expect(collated.rows.map((r) => r.email)).not.toEqual([...extra].sort());
      const contacts = new SqlContactStore(ctx);
      const search = async (prefix: string) => (await contacts.searchContacts(prefix, {}, null, 100)).map((c) => c.email);
      expect(await search('a')).toEqual(['a-z@example.com', 'a.b@example.com', 'a.c@example.com', 'a_d@example.com', 'ab@example.com']);
      expect(await search('a_')).toEqual(['a_d@example.com']);
      expect(await search('a.')).toEqual(['a.b@example.com', 'a.c@example.com']);
      expect(await search('a-')).toEqual(['a-z@example.com']);
      // The planner weighs its statistics: a narrow prefix may read the index as a bitmap and sort its few matches;
      // a prefix that matches every contact reads the index in order and stops after the page.
      for (const p of [await plan(ctx), await plan(ctx, SUBSCRIBED), await plan(ctx, ALL, 'user123@example.com')]) {
        expect(p).toMatch(/(Index Scan using|Bitmap Index Scan on) ix_contacts_email_bytes/);
        expect(p).not.toMatch(/Seq Scan/);
      }
      for (const p of [await plan(ctx, ALL, null, 'user'), await plan(ctx, SUBSCRIBED, null, 'u')]) {
        expect(p).toMatch(/Limit[\s\S]*Index Scan using ix_contacts_email_bytes/);
        expect(p).not.toMatch(/Seq Scan|Sort/);
      }
    } finally {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
