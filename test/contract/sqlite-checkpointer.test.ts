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

  it('truncates the WAL once it passes its size limit, under continuous writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-ckpt-'));
    const file = join(dir, 'db');
    const store = SqliteStore.open(file, { everyMs: 100, truncateBytes: 2_000_000 });
    await store.migrate();
    let maxWal = 0;
    let resets = 0;
    let prev = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      await store.insertMessages(Array.from({ length: 200 }, () => newMessage({ html: 'y'.repeat(2000) })));
      const wal = statSync(`${file}-wal`).size;
      if (prev > 2_000_000 && wal < prev) resets++;
      prev = wal;
      maxWal = Math.max(maxWal, wal);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Far more than the limit was written in all, yet the WAL kept being cut back: it is bounded by the limit plus
    // what is written between two checkpoints, not by the total written.
    const total = statSync(file).size;
    expect(total).toBeGreaterThan(10_000_000);
    expect(resets).toBeGreaterThan(2);
    expect(maxWal).toBeLessThan(total / 2);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
