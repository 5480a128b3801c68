// SQLite only (no PostgreSQL counterpart): the WAL is checkpointed by a thread of the store's own.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { Checkpointer } from '../../src/adapters/store/sqlite/checkpointer.js';
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

  it('starts the WAL over and cuts the file back once it passes its size limit, under continuous writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-ckpt-'));
    const file = join(dir, 'db');
    const store = SqliteStore.open(file, { everyMs: 100, restartBytes: 2_000_000, walLimitBytes: 2_000_000 });
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

  it('takes the write lock only inside the write slot it is given, so the writer never meets it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-ckpt-'));
    const file = join(dir, 'db');
    const writer = new BetterSqlite3(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    // As the store: when the WAL starts over, the file is cut back, so each RESTART shows as the file shrinking.
    writer.pragma('journal_size_limit = 200000');
    // No busy wait at all: meeting the checkpointer's lock would throw SQLITE_BUSY at once.
    writer.pragma('busy_timeout = 0');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
    let inSlot = false;
    let slots = 0;
    const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
      inSlot = true;
      slots++;
      try {
        return await fn();
      } finally {
        inSlot = false;
      }
    };
    const ck = new Checkpointer(file, createRequire(import.meta.url).resolve('better-sqlite3'), slot, { everyMs: 20, restartBytes: 200_000 });
    let commits = 0;
    let shrinks = 0;
    let prevWal = 0;
    try {
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        if (!inSlot) {
          writer.exec('BEGIN IMMEDIATE');
          for (let i = 0; i < 50; i++) insert.run('z'.repeat(1000));
          writer.exec('COMMIT');
          commits++;
          const wal = statSync(`${file}-wal`).size;
          if (wal < prevWal) shrinks++;
          prevWal = wal;
        }
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      await ck.stop();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // ~50 KB per commit, many MB in all: the WAL was started over inside slots (and the file cut back after), and
    // no commit outside them met the thread's lock (it would have thrown SQLITE_BUSY).
    expect(commits).toBeGreaterThan(100);
    expect(slots).toBeGreaterThan(3);
    expect(shrinks).toBeGreaterThan(0);
  });
});
