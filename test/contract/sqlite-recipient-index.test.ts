// SQLite only (PostgreSQL indexes recipients directly, see docs/adr/0010-recipient-index.md): the background
// recipient index catches up in chunks, never indexes a message twice, and searches stay exact meanwhile.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { migrationsFor } from '../../src/adapters/store/migrations.js';
import { newMessage } from './store-contract.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite recipient index', () => {
  it('indexes 140,000 messages (three parts) in chunks after the inserts, with searches exact before, during and after', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-ridx-'));
    const file = join(dir, 'test.db');
    const store = SqliteStore.open(file);
    await store.migrate();
    const total = 140_000;
    for (let b = 0; b < total / 5000; b++) {
      await store.insertMessages(Array.from({ length: 5000 }, (_, i) => newMessage({ toAddress: `r${(b * 5000 + i) % 1000}@example.com` })));
    }
    // Every address got 140 messages; the search is exact whatever the indexer has done so far.
    expect((await store.listMessages({ limit: 1000, recipient: 'r7@example.com' })).length).toBe(140);
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      const state = () => raw.prepare('SELECT (SELECT COUNT(*) FROM message_recipient_parts) AS indexed, (SELECT last_rowid FROM recipient_index_state) AS last, (SELECT MAX(rowid) FROM messages) AS max').get() as { indexed: number; last: number; max: number };
      const deadline = Date.now() + 20_000;
      while (state().last < state().max && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(state()).toEqual({ indexed: total, last: total, max: total });
    } finally {
      raw.close();
    }
    const found = await store.listMessages({ limit: 1000, recipient: 'r7@example.com' });
    expect(found.length).toBe(140);
    expect(new Set(found.map((m) => m.id)).size).toBe(140);
    expect(found.every((m) => m.toAddress === 'r7@example.com')).toBe(true);
    await store.close();
  }, 60_000);

  it('indexes once inserts pause, or at the latest the maximum delay after the first one it has not indexed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-ridx-'));
    const file = join(dir, 'test.db');
    const store = SqliteStore.open(file, { indexDelayMs: 300, indexMaxDelayMs: 1500 });
    await store.migrate();
    const raw = new BetterSqlite3(file, { readonly: true });
    const last = () => raw.prepare('SELECT last_rowid FROM recipient_index_state').pluck().get() as number;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const insertFor = async (ms: number, seen: number[]) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await store.insertMessages(Array.from({ length: 50 }, (_, i) => newMessage({ toAddress: `p${i}@example.com` })));
        seen.push(last());
        await sleep(50);
      }
    };
    try {
      // A burst of 0.9 s, inserts 50 ms apart: nothing is indexed while it lasts, all of it 0.3 s after it ends.
      const during: number[] = [];
      await insertFor(900, during);
      expect(during.every((n) => n === 0)).toBe(true);
      const burst = (raw.prepare('SELECT MAX(rowid) FROM messages').pluck().get() as number);
      await sleep(600);
      expect(last()).toBe(burst);
      // Inserts that never pause for 0.3 s are indexed 1.5 s after the first one not indexed, while they go on.
      const steady: number[] = [];
      await insertFor(2600, steady);
      expect(steady.some((n) => n > burst)).toBe(true);
      expect((await store.listMessages({ limit: 1000, recipient: 'p7@example.com' })).length).toBeGreaterThan(20);
    } finally {
      raw.close();
      await store.close();
    }
  }, 20_000);

  it('finds a recipient with one primary-key probe per part, and each entry in the part of its rowid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-ridx-'));
    const file = join(dir, 'test.db');
    const store = SqliteStore.open(file);
    await store.migrate();
    await store.insertMessages(Array.from({ length: 10 }, (_, i) => newMessage({ toAddress: `p${i}@example.com` })));
    await store.close();
    const raw = new BetterSqlite3(file);
    try {
      raw.exec('INSERT OR IGNORE INTO message_recipient_parts (part, address, message_id) SELECT rowid >> 16, to_address, id FROM messages');
      raw.exec('UPDATE recipient_index_state SET last_rowid = (SELECT MAX(rowid) FROM messages)');
      const plan = raw.prepare(`EXPLAIN QUERY PLAN WITH RECURSIVE parts(p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM parts WHERE p < 3)
        SELECT r.message_id FROM parts JOIN message_recipient_parts r ON r.part = parts.p AND r.address = ?`).all('p1@example.com') as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' | ')).toMatch(/SEARCH r USING PRIMARY KEY \(part=\? AND address=\?\)/);
    } finally {
      raw.close();
    }
  });

  it('moves the entries of the index before parts (migration 0004) into their parts (0009)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-ridx-'));
    const file = join(dir, 'test.db');
    const raw = new BetterSqlite3(file);
    const before = migrationsFor('sqlite').filter((m) => m.name < '0009');
    raw.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (const m of before) {
      for (const st of m.statements) raw.exec(st);
      raw.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, 0)').run(m.name);
    }
    // Two messages, the second at a rowid of the second part; both indexed the old way.
    const row = (id: string, rowid: number, to: string) => raw.prepare(`INSERT INTO messages (rowid, id, status, queue_state, priority, due_at, attempts, max_attempts,
      to_address, to_domain, from_address, variables, headers, tags, created_at, updated_at) VALUES (?, ?, 'queued', 1, 2, 0, 0, 4, ?, 'example.com', 'a@example.com', '{}', '{}', '[]', 0, 0)`).run(rowid, id, to);
    row('m1', 5, 'old@example.com');
    row('m2', 70_000, 'old@example.com');
    raw.exec("INSERT INTO message_recipients (address, message_id) VALUES ('old@example.com', 'm1'), ('old@example.com', 'm2')");
    raw.exec('UPDATE recipient_index_state SET last_rowid = 70000');
    raw.close();

    const store = SqliteStore.open(file);
    expect(await store.migrate()).toContain('0009_recipient-index-parts');
    const check = new BetterSqlite3(file, { readonly: true });
    try {
      expect(check.prepare('SELECT part, address, message_id FROM message_recipient_parts ORDER BY part').all()).toEqual([
        { part: 0, address: 'old@example.com', message_id: 'm1' },
        { part: 1, address: 'old@example.com', message_id: 'm2' },
      ]);
      expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'message_recipients'").get()).toEqual({ n: 0 });
    } finally {
      check.close();
    }
    expect((await store.listMessages({ limit: 10, recipient: 'old@example.com' })).map((m) => m.id)).toEqual(['m2', 'm1']);
    await store.close();
  });
});
