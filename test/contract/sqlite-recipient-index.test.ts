// SQLite only (PostgreSQL indexes recipients directly, see docs/adr/0010-recipient-index.md): the background
// recipient index catches up in chunks, never indexes a message twice, and searches stay exact meanwhile.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { newMessage } from './store-contract.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite recipient index', () => {
  it('indexes 45,000 messages in chunks after the inserts, with searches exact before, during and after', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-ridx-'));
    const file = join(dir, 'test.db');
    const store = SqliteStore.open(file);
    await store.migrate();
    const total = 45_000;
    for (let b = 0; b < total / 5000; b++) {
      await store.insertMessages(Array.from({ length: 5000 }, (_, i) => newMessage({ toAddress: `r${(b * 5000 + i) % 1000}@example.com` })));
    }
    // Every address got 45 messages; the search is exact whatever the indexer has done so far.
    expect((await store.listMessages({ limit: 100, recipient: 'r7@example.com' })).length).toBe(45);
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      const state = () => raw.prepare('SELECT (SELECT COUNT(*) FROM message_recipients) AS indexed, (SELECT last_rowid FROM recipient_index_state) AS last, (SELECT MAX(rowid) FROM messages) AS max').get() as { indexed: number; last: number; max: number };
      const deadline = Date.now() + 20_000;
      while (state().last < state().max && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(state()).toEqual({ indexed: total, last: total, max: total });
    } finally {
      raw.close();
    }
    const found = await store.listMessages({ limit: 100, recipient: 'r7@example.com' });
    expect(found.length).toBe(45);
    expect(new Set(found.map((m) => m.id)).size).toBe(45);
    expect(found.every((m) => m.toAddress === 'r7@example.com')).toBe(true);
    await store.close();
  }, 60_000);
});
