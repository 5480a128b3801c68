// Adapter-specific on purpose (query plans and VDBE programs are not part of the port's contract): on SQLite, the
// partial index of the statuses people look for (ix_messages_attention) costs an insert or a status change no
// temporary B-tree (migration 0010), listing by such a status still reads that index, and a database created before
// 0010 gets the new predicate with its rows still found.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/sqlite-store.js';
import { migrationsFor } from '../../src/adapters/store/migrations.js';
import { attentionPredicate } from '../../src/adapters/store/migrations/0010_attention-index-without-in-list.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** The opcodes of a statement's program (EXPLAIN), with its parameters bound to NULL. */
function opcodes(db: BetterSqlite3.Database, statement: string): string[] {
  const params = (statement.match(/\?/g) ?? []).length;
  return (db.prepare(`EXPLAIN ${statement}`).all(...Array<null>(params).fill(null)) as Array<{ opcode: string }>).map((r) => r.opcode);
}

function insertRow(db: BetterSqlite3.Database, id: string, status: string): void {
  db.prepare(`INSERT INTO messages (id, status, queue_state, priority, due_at, attempts, max_attempts, to_address, to_domain, from_address,
    variables, headers, tags, created_at, updated_at) VALUES (?, ?, NULL, 2, 0, 1, 4, 'a@example.com', 'example.com', 'shop@example.com', '{}', '{}', '[]', 0, 0)`).run(id, status);
}

describe('ix_messages_attention on SQLite', () => {
  it('costs a status change and an insert no temporary B-tree, and listing by a rare status reads it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-attention-'));
    const store = SqliteStore.open(join(dir, 'test.db'));
    await store.migrate();
    await store.close();
    const db = new BetterSqlite3(join(dir, 'test.db'));
    try {
      // The record's statement changes status; before 0010 each run built two temporary B-trees for the IN list.
      expect(opcodes(db, 'UPDATE messages SET status = ?, updated_at = ? WHERE id = ?')).not.toContain('OpenEphemeral');
      expect(opcodes(db, `INSERT INTO messages (id, status, priority, due_at, max_attempts, to_address, to_domain, from_address, variables, headers, tags, created_at, updated_at)
        VALUES (?, ?, 2, 0, 4, ?, ?, ?, '{}', '{}', '[]', 0, 0)`)).not.toContain('OpenEphemeral');
      const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM messages WHERE status = ? AND ${attentionPredicate('sqlite')} AND id < ? ORDER BY id DESC LIMIT 50`)
        .all('failed', 'z') as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      expect(plan).toMatch(/SEARCH messages USING INDEX ix_messages_attention \(status=\? AND id<\?\)/);
    } finally {
      db.close();
    }
  });

  it('replaces the index of a database created before 0010; its rows are listed by status as before', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pf-attention-'));
    const file = join(dir, 'test.db');
    const raw = new BetterSqlite3(file);
    raw.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (const m of migrationsFor('sqlite').filter((x) => x.name < '0010')) {
      for (const st of m.statements) raw.exec(st);
      raw.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, 0)').run(m.name);
    }
    expect(opcodes(raw, 'UPDATE messages SET status = ? WHERE id = ?')).toContain('OpenEphemeral');
    insertRow(raw, 'm1', 'failed');
    insertRow(raw, 'm2', 'sent');
    insertRow(raw, 'm3', 'failed');
    raw.close();

    const store = SqliteStore.open(file);
    try {
      expect(await store.migrate()).toContain('0010_attention-index-without-in-list');
      expect((await store.listMessages({ limit: 10, status: 'failed' })).map((m) => m.id)).toEqual(['m3', 'm1']);
      expect((await store.listMessages({ limit: 10, status: 'sent' })).map((m) => m.id)).toEqual(['m2']);
    } finally {
      await store.close();
    }
    const check = new BetterSqlite3(file, { readonly: true });
    try {
      const sqlText = (check.prepare("SELECT sql FROM sqlite_master WHERE name = 'ix_messages_attention'").get() as { sql: string }).sql;
      expect(sqlText).toContain(attentionPredicate('sqlite'));
      expect(opcodes(check, 'UPDATE messages SET status = ? WHERE id = ?')).not.toContain('OpenEphemeral');
    } finally {
      check.close();
    }
  });
});
