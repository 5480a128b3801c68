// SQLite only (no PostgreSQL counterpart): the WAL is checkpointed by a thread of the store's own.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { newMessage } from './store-contract.js';

describe('SQLite checkpointer thread', () => {
  it('moves committed pages from the WAL into the database file without the main connection doing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-ckpt-'));
    const file = join(dir, 'db');
    const store = SqliteStore.open(file);
    await store.migrate();
    const before = statSync(file).size;
    await store.insertMessages(Array.from({ length: 2000 }, () => newMessage({ html: 'x'.repeat(500) })));
    // The main connection's auto-checkpoint is off: right after the commit the rows are only in the WAL.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1_000_000);
    const until = Date.now() + 5000;
    while (statSync(file).size <= before + 1_000_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(file).size).toBeGreaterThan(before + 1_000_000);
    expect((await store.listMessages({ limit: 5000 })).length).toBe(2000);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
